"""Benchmarks: scripts run by hand (`python bench/run.py ...`), not tests."""
