"""district coordinators' groups, kept and acknowledged alerts, suspended supporters, removed groups

Revision ID: 0007_alerts
Revises: 0008_matching
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0007_alerts"
down_revision: str | Sequence[str] | None = "0008_matching"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    op.create_table(
        "coordinator_group_district",
        sa.Column("group_id", _S(length=64), sa.ForeignKey("line_group.group_id"), primary_key=True),
        sa.Column("district_code", _S(length=32), sa.ForeignKey("district.code"), primary_key=True),
    )
    op.create_index(
        "ix_coordinator_group_district_district_code", "coordinator_group_district", ["district_code"]
    )
    op.create_table(
        "alert",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("request_id", sa.Integer(), sa.ForeignKey("help_request.id"), nullable=True),
        sa.Column("kind", _S(length=16), nullable=False),
        sa.Column("district_code", _S(length=32), sa.ForeignKey("district.code"), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("routed", sa.Boolean(), nullable=False),
        sa.Column("subject_line_user_id", _S(length=64), nullable=True),
        sa.Column("body", _S(), nullable=True),
        sa.Column("acknowledged_by", _S(length=100), nullable=True),
        sa.Column("acknowledged_line_user_id", _S(length=64), nullable=True),
        sa.Column("acknowledged_coordinator_id", sa.Integer(), sa.ForeignKey("coordinator.id"), nullable=True),
        sa.Column("acknowledged_at", _T(), nullable=True),
        sa.Column("repeats", sa.Integer(), nullable=False),
        sa.Column("escalated_at", _T(), nullable=True),
    )
    op.create_index("ix_alert_request_id", "alert", ["request_id"])
    op.create_index("ix_alert_open", "alert", ["acknowledged_at", "district_code"])
    with op.batch_alter_table("line_group") as batch:
        batch.add_column(sa.Column("removed_at", _T(), nullable=True))
    with op.batch_alter_table("supporter") as batch:
        batch.add_column(sa.Column("suspended_at", _T(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("supporter") as batch:
        batch.drop_column("suspended_at")
    with op.batch_alter_table("line_group") as batch:
        batch.drop_column("removed_at")
    op.drop_index("ix_alert_open", table_name="alert")
    op.drop_index("ix_alert_request_id", table_name="alert")
    op.drop_table("alert")
    op.drop_index("ix_coordinator_group_district_district_code", table_name="coordinator_group_district")
    op.drop_table("coordinator_group_district")
