"""Which outbox messages leave first: a closed set of priorities and the rule that gives one to a message."""

from __future__ import annotations

from enum import IntEnum


class Priority(IntEnum):
    """Lower leaves first. Stored as an integer in outbox_message.priority."""

    URGENT = 0  # 119/110 guidance to a resident, coordinators' alerts
    RESIDENT = 1  # answers and news to a resident (any 1:1 chat not named below)
    DETAILS = 2  # 1:1 details and questions to supporters
    GROUP = 3  # posts in supporters' groups
    REMINDER = 4  # reminders in groups: they repeat what the group was already told


# Alerts that tell coordinators (or a district's lead) that someone may need them now.
URGENT_PURPOSES = frozenset({"emergency", "consult", "alert", "checkin_missed"})
# 1:1 messages to supporters: they act on them, but a resident's answer should not wait behind them.
SUPPORTER_PURPOSES = frozenset({"details", "location", "thanks", "closed", "unassigned", "stale", "recurring_details"})
REMINDER_PURPOSES = frozenset({"reminder"})


def is_group_chat(to: str) -> bool:
    """LINE ids: U… a user, C… a group, R… a multi-person chat."""
    return to[:1] in ("C", "R")


def priority_of(purpose: str, to: str) -> Priority:
    if purpose in URGENT_PURPOSES:
        return Priority.URGENT
    if is_group_chat(to):
        return Priority.REMINDER if purpose in REMINDER_PURPOSES else Priority.GROUP
    if purpose in SUPPORTER_PURPOSES:
        return Priority.DETAILS
    return Priority.RESIDENT
