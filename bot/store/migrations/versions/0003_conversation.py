"""conversation and watching over: locations, proxies, recurring help, check-ins

Revision ID: 0003
Revises: 0001
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_S = sqlmodel.sql.sqltypes.AutoString
_T = sqlmodel.sql.sqltypes.UTCDateTime


def upgrade() -> None:
    with op.batch_alter_table("district") as b:
        b.add_column(sa.Column("checkin_alert_hours", sa.Integer(), nullable=True))
        b.add_column(sa.Column("lead_line_user_id", _S(length=64), nullable=True))
    with op.batch_alter_table("help_request") as b:
        b.add_column(sa.Column("location_lat", sa.Float(), nullable=True))
        b.add_column(sa.Column("location_lng", sa.Float(), nullable=True))
        b.add_column(sa.Column("location_label", _S(length=300), nullable=True))
        b.add_column(sa.Column("proxy_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("recurring_id", sa.Integer(), nullable=True))
        b.add_column(sa.Column("thanked_at", _T(), nullable=True))
        b.create_index("ix_help_request_proxy_id", ["proxy_id"])
        b.create_index("ix_help_request_recurring_id", ["recurring_id"])
    op.create_table(
        "pending_location",
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), primary_key=True),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lng", sa.Float(), nullable=False),
        sa.Column("label", _S(length=300), nullable=True),
        sa.Column("at", _T(), nullable=False),
    )
    op.create_table(
        "proxy",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("line_user_id", _S(length=64), nullable=False),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), nullable=False),
        sa.Column("relation", _S(length=16), nullable=False),
        sa.Column("name", _S(length=100), nullable=False),
        sa.Column("phone", _S(length=32), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.UniqueConstraint("line_user_id", "resident_id"),
    )
    op.create_index("ix_proxy_line_user_id", "proxy", ["line_user_id"])
    op.create_index("ix_proxy_resident_id", "proxy", ["resident_id"])
    op.create_table(
        "recurring_help",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), nullable=False),
        sa.Column("district_code", _S(length=32), sa.ForeignKey("district.code"), nullable=False),
        sa.Column("category", _S(length=32), nullable=False),
        sa.Column("weekdays", _S(length=20), nullable=False),
        sa.Column("when_part", _S(length=16), nullable=True),
        sa.Column("when_time", _S(length=5), nullable=True),
        sa.Column("text", _S(), nullable=False),
        sa.Column("masked", _S(), nullable=False),
        sa.Column("status", _S(length=20), nullable=False),
        sa.Column("supporter_id", sa.Integer(), sa.ForeignKey("supporter.id"), nullable=True),
        sa.Column("proxy_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("approved_at", _T(), nullable=True),
        sa.Column("taken_at", _T(), nullable=True),
        sa.Column("stopped_at", _T(), nullable=True),
    )
    op.create_index("ix_recurring_help_resident_id", "recurring_help", ["resident_id"])
    op.create_table(
        "checkin_plan",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), nullable=False, unique=True),
        sa.Column("frequency", _S(length=8), nullable=False),
        sa.Column("weekday", sa.Integer(), nullable=True),
        sa.Column("hour", sa.Integer(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", _T(), nullable=False),
        sa.Column("updated_at", _T(), nullable=False),
    )
    op.create_table(
        "checkin",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("resident_id", sa.Integer(), sa.ForeignKey("resident.id"), nullable=False),
        sa.Column("district_code", _S(length=32), sa.ForeignKey("district.code"), nullable=False),
        sa.Column("sent_at", _T(), nullable=False),
        sa.Column("deadline_at", _T(), nullable=False),
        sa.Column("status", _S(length=16), nullable=False),
        sa.Column("answered_at", _T(), nullable=True),
        sa.Column("answered_by", _S(length=16), nullable=True),
        sa.Column("missed_at", _T(), nullable=True),
        sa.Column("alerted_to", _S(length=64), nullable=True),
    )
    op.create_index("ix_checkin_resident_id", "checkin", ["resident_id"])
    op.create_index("ix_checkin_status_district", "checkin", ["status", "district_code"])


def downgrade() -> None:
    op.drop_table("checkin")
    op.drop_table("checkin_plan")
    op.drop_table("recurring_help")
    op.drop_table("proxy")
    op.drop_table("pending_location")
    with op.batch_alter_table("help_request") as b:
        b.drop_index("ix_help_request_recurring_id")
        b.drop_index("ix_help_request_proxy_id")
        for c in ("thanked_at", "recurring_id", "proxy_id", "location_label", "location_lng", "location_lat"):
            b.drop_column(c)
    with op.batch_alter_table("district") as b:
        b.drop_column("lead_line_user_id")
        b.drop_column("checkin_alert_hours")
