"""coordinators' dashboard: coordinator accounts, their districts, failed-login log

Revision ID: 0002
Revises: 0001
"""
from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "coordinator",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", AutoString(length=64), nullable=False),
        sa.Column("name", AutoString(length=100), nullable=False),
        sa.Column("password_hash", AutoString(length=255), nullable=False),
        sa.Column("is_admin", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("api_token_hash", AutoString(length=64), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("last_login_at", UTCDateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("login"),
    )
    op.create_index("ix_coordinator_api_token_hash", "coordinator", ["api_token_hash"])
    op.create_table(
        "coordinator_district",
        sa.Column("coordinator_id", sa.Integer(), nullable=False),
        sa.Column("district_code", AutoString(length=32), nullable=False),
        sa.ForeignKeyConstraint(["coordinator_id"], ["coordinator.id"]),
        sa.ForeignKeyConstraint(["district_code"], ["district.code"]),
        sa.PrimaryKeyConstraint("coordinator_id", "district_code"),
    )
    op.create_table(
        "login_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("login", AutoString(length=64), nullable=False),
        sa.Column("ip", AutoString(length=64), nullable=False),
        sa.Column("at", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_login_attempt_login_at", "login_attempt", ["login", "at"])
    op.create_index("ix_login_attempt_ip_at", "login_attempt", ["ip", "at"])


def downgrade() -> None:
    op.drop_index("ix_login_attempt_ip_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_login_at", table_name="login_attempt")
    op.drop_table("login_attempt")
    op.drop_table("coordinator_district")
    op.drop_index("ix_coordinator_api_token_hash", table_name="coordinator")
    op.drop_table("coordinator")
