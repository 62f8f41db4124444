"""approval of newcomers, supporter verification, matching (help kinds, towns, free slots, nudges)

Revision ID: 0008_matching
Revises: 0010_outbox_priority
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008_matching"
down_revision: str | Sequence[str] | None = "0010_outbox_priority"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        # Residents already here were taken on before approval existed: they stay approved.
        batch.add_column(sa.Column("approval", _S(length=16), nullable=False, server_default="approved"))
        batch.add_column(sa.Column("decided_at", _T(), nullable=True))
        batch.add_column(sa.Column("decided_by", _S(length=100), nullable=True))
    with op.batch_alter_table("supporter") as batch:
        batch.add_column(sa.Column("verified_at", _T(), nullable=True))
        batch.add_column(sa.Column("verified_by", _S(length=100), nullable=True))
        batch.add_column(sa.Column("verify_note", _S(length=500), nullable=True))
        batch.add_column(sa.Column("kinds", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("towns", sa.JSON(), nullable=False, server_default="[]"))
        batch.add_column(sa.Column("free", sa.JSON(), nullable=False, server_default="[]"))
    with op.batch_alter_table("help_request") as batch:
        batch.add_column(sa.Column("nudged_at", _T(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("help_request") as batch:
        batch.drop_column("nudged_at")
    with op.batch_alter_table("supporter") as batch:
        for name in ("free", "towns", "kinds", "verify_note", "verified_by", "verified_at"):
            batch.drop_column(name)
    with op.batch_alter_table("resident") as batch:
        for name in ("decided_by", "decided_at", "approval"):
            batch.drop_column(name)
