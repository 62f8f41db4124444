"""security: server-side dashboard sessions, an atomic login throttle, deactivation times for retention

Revision ID: 0005_security
Revises: 0004
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString, UTCDateTime

revision: str = "0005_security"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "dashboard_session",
        sa.Column("id_hash", AutoString(length=64), nullable=False),
        sa.Column("coordinator_id", sa.Integer(), nullable=True),
        sa.Column("csrf", AutoString(length=64), nullable=False),
        sa.Column("flash", sa.JSON(), nullable=True),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("expires_at", UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["coordinator_id"], ["coordinator.id"]),
        sa.PrimaryKeyConstraint("id_hash"),
    )
    op.create_index("ix_dashboard_session_coordinator_id", "dashboard_session", ["coordinator_id"])
    op.create_index("ix_dashboard_session_expires_at", "dashboard_session", ["expires_at"])
    op.create_table(
        "login_throttle",
        sa.Column("key", AutoString(length=64), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("window_start", UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("key"),
    )
    # The old failure log kept typed logins (sometimes a password typed in the wrong box) and addresses
    # in clear, counted and then written with nothing in between (a race); the throttle above replaces it.
    op.drop_index("ix_login_attempt_ip_at", table_name="login_attempt")
    op.drop_index("ix_login_attempt_login_at", table_name="login_attempt")
    op.drop_table("login_attempt")
    op.add_column("resident", sa.Column("deactivated_at", UTCDateTime(), nullable=True))
    op.add_column("supporter", sa.Column("deactivated_at", UTCDateTime(), nullable=True))


def downgrade() -> None:
    for table in ("supporter", "resident"):
        with op.batch_alter_table(table) as batch:  # SQLite rebuilds the table to drop a column
            batch.drop_column("deactivated_at")
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
    op.drop_table("login_throttle")
    op.drop_index("ix_dashboard_session_expires_at", table_name="dashboard_session")
    op.drop_index("ix_dashboard_session_coordinator_id", table_name="dashboard_session")
    op.drop_table("dashboard_session")
