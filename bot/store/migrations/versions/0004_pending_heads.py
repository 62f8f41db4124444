"""partial indexes on the pending rows of the inbox and the outbox, for finding each queue's head

Revision ID: 0004
Revises: 0002, 0003
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | Sequence[str] | None = ("0002", "0003")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")


def upgrade() -> None:
    # Leasing asks, for each candidate, whether an earlier row of its queue is still pending. The old
    # indexes ((source_key, received_at) and (to)) made that walk every row the queue ever had, done ones
    # included, so each claim grew slower with the history; these hold only what is still pending.
    for name, table, queue in (
        ("ix_inbox_pending_queue", "inbox_event", "source_key"),
        ("ix_outbox_pending_queue", "outbox_message", "to"),
    ):
        op.create_index(name, table, [queue, "id"], sqlite_where=_PENDING, postgresql_where=_PENDING)


def downgrade() -> None:
    op.drop_index("ix_outbox_pending_queue", table_name="outbox_message")
    op.drop_index("ix_inbox_pending_queue", table_name="inbox_event")
