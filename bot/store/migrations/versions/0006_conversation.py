"""residents' words at every step: the supporter-resident relay, and who registered a resident

Revision ID: 0006_conversation
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0006_conversation"
down_revision: str | Sequence[str] | None = "0005_security"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "relay_message",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("help_request.id"), nullable=False),
        sa.Column("sender", _S(length=16), nullable=False),
        sa.Column("text", _S(), nullable=False),
        sa.Column("at", _T(), nullable=False),
    )
    op.create_index("ix_relay_message_request_id", "relay_message", ["request_id"])
    with op.batch_alter_table("resident") as batch:
        batch.add_column(sa.Column("registered_by_relation", _S(length=16), nullable=True))
        batch.add_column(sa.Column("registered_by_name", _S(length=100), nullable=True))
        batch.add_column(sa.Column("agreed_at", _T(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("resident") as batch:
        batch.drop_column("agreed_at")
        batch.drop_column("registered_by_name")
        batch.drop_column("registered_by_relation")
    op.drop_index("ix_relay_message_request_id", table_name="relay_message")
    op.drop_table("relay_message")
