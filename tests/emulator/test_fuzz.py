"""The random webhook bodies of bot.emulator.fuzz are valid per webhook.yml (so a bot can be fuzzed with them)."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings

from bot.emulator.fuzz import callback_bodies, events
from bot.emulator.openapi import validate_webhook_body


@given(callback_bodies())
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_generated_bodies_validate(body: dict[str, Any]) -> None:
    raw = json.dumps(body, ensure_ascii=False).encode()
    assert validate_webhook_body(raw) == []


@given(events())
@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_every_event_kind_is_reachable(event: dict[str, Any]) -> None:
    # Every drawn event has a kind from the spec's discriminator mapping; hypothesis explores them all.
    assert isinstance(event["type"], str)
    assert "deliveryContext" in event
