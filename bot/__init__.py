"""Sasaeai: a LINE bot that carries residents' small troubles to their neighbours."""
