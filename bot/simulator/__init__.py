"""The browser simulator: one page showing the resident's, the group's, a supporter's and the coordinators' chats."""

from bot.simulator.routes import add_routes

__all__ = ["add_routes"]
