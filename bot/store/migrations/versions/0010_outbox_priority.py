"""outbox priority (what matters most leaves first) and merged rows (what can wait shares a call)

Revision ID: 0010_outbox_priority
Revises: 0009_ops_audit
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_outbox_priority"
down_revision: str | Sequence[str] | None = "0009_ops_audit"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_PENDING = sa.text("status = 'pending'")
_MERGED = sa.text("status = 'merged'")


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("priority", sa.Integer(), nullable=False, server_default="1"))
        batch.add_column(sa.Column("merged_into", sa.Integer(), nullable=True))
    # The heads query groups the pending rows by chat for their oldest id and most urgent priority; with
    # the priority in the index it never reads the table. It replaces (to, id), which it also serves.
    op.drop_index("ix_outbox_pending_queue", table_name="outbox_message")
    op.create_index(
        "ix_outbox_pending_heads",
        "outbox_message",
        ["to", "id", "priority"],
        sqlite_where=_PENDING,
        postgresql_where=_PENDING,
    )
    # A call's outcome is copied to the rows merged into it: found through their carrier while they wait.
    op.create_index("ix_outbox_merged", "outbox_message", ["merged_into"], sqlite_where=_MERGED, postgresql_where=_MERGED)


def downgrade() -> None:
    op.drop_index("ix_outbox_merged", table_name="outbox_message")
    op.drop_index("ix_outbox_pending_heads", table_name="outbox_message")
    op.create_index(
        "ix_outbox_pending_queue", "outbox_message", ["to", "id"], sqlite_where=_PENDING, postgresql_where=_PENDING
    )
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("merged_into")
        batch.drop_column("priority")
