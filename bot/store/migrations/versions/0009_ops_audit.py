"""coordinators without a shell: 民生委員 accounts and the residents linked to them, and the audit log

Revision ID: 0009_ops_audit
Revises: 0006_conversation
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009_ops_audit"
down_revision: str | Sequence[str] | None = "0006_conversation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("coordinator") as batch:
        batch.add_column(sa.Column("role", _S(length=16), nullable=False, server_default="coordinator"))
    op.create_table(
        "minsei_resident",
        sa.Column("coordinator_id", sa.Integer(), sa.ForeignKey("coordinator.id"), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), primary_key=True),
        sa.Column("created_at", _T(), nullable=False),
    )
    op.create_index("ix_minsei_resident_resident_id", "minsei_resident", ["resident_id"])
    op.create_table(
        "audit_entry",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("at", _T(), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("actor", _S(length=64), nullable=False),
        sa.Column("via", _S(length=16), nullable=False),
        sa.Column("action", _S(length=32), nullable=False),
        sa.Column("record_kind", _S(length=16), nullable=True),
        sa.Column("record_id", _S(length=64), nullable=True),
        sa.Column("detail", _S(length=300), nullable=True),
        sa.Column("ip", _S(length=64), nullable=True),
    )
    op.create_index("ix_audit_entry_at", "audit_entry", ["at"])
    op.create_index("ix_audit_entry_coordinator_id", "audit_entry", ["coordinator_id"])
    op.create_index("ix_audit_entry_action", "audit_entry", ["action"])


def downgrade() -> None:
    op.drop_index("ix_audit_entry_action", table_name="audit_entry")
    op.drop_index("ix_audit_entry_coordinator_id", table_name="audit_entry")
    op.drop_index("ix_audit_entry_at", table_name="audit_entry")
    op.drop_table("audit_entry")
    op.drop_index("ix_minsei_resident_resident_id", table_name="minsei_resident")
    op.drop_table("minsei_resident")
    with op.batch_alter_table("coordinator") as batch:
        batch.drop_column("role")
