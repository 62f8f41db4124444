"""Applies Alembic migrations; the schema is never created any other way."""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

MIGRATIONS = Path(__file__).with_name("migrations")


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


async def upgrade(engine: AsyncEngine) -> bool:
    """Bring the schema to head over the running engine (inside the event loop).

    Returns whether the database was empty before (never migrated): callers say so, because a relative SQLite
    path run from another folder silently makes a new, empty database.
    """
    cfg = alembic_config(engine.url.render_as_string(hide_password=False))
    empty = False

    def _do(connection: Connection) -> None:
        nonlocal empty
        empty = "alembic_version" not in sa.inspect(connection).get_table_names()
        cfg.attributes["connection"] = connection
        command.upgrade(cfg, "heads")  # several branches may add tables side by side

    async with engine.begin() as conn:
        await conn.run_sync(_do)
    return empty
