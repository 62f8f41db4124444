"""A stand-in for the LINE platform (Messaging API + webhook delivery) on loopback, for tests and the demo."""

from bot.emulator.client import EmulatorClient
from bot.emulator.faults import FaultRule
from bot.emulator.server import EmulatorServer
from bot.emulator.state import Delivery, EmulatorState, Violation
from bot.emulator.webhook import sign

__all__ = ["Delivery", "EmulatorClient", "EmulatorServer", "EmulatorState", "FaultRule", "Violation", "sign"]
