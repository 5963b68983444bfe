"""Schema migrations with Alembic, run from code so no alembic.ini is needed anywhere."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import text

from muster.storage.db import Database, translate_errors

_SCRIPTS = Path(__file__).parent / "migrations"
_LOCK_KEY = 0x6D757374  # "must": the advisory lock migrations take on PostgreSQL


def _config(db: Database) -> Config:
    config = Config()
    config.set_main_option("script_location", str(_SCRIPTS))
    return config


def upgrade(db: Database, revision: str = "head") -> None:
    """Bring the schema to `revision`; safe to run again, and on every start.

    Several servers starting at once on PostgreSQL take turns (an advisory lock), so only
    the first one migrates.
    """
    with translate_errors(), db.engine.begin() as conn:
        if not db.is_sqlite:
            conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        config = _config(db)
        config.attributes["connection"] = conn
        command.upgrade(config, revision)


def downgrade(db: Database, revision: str) -> None:
    """Step the schema back to `revision` (`base` removes every table)."""
    with translate_errors(), db.engine.begin() as conn:
        config = _config(db)
        config.attributes["connection"] = conn
        command.downgrade(config, revision)


def status(db: Database) -> tuple[str | None, str]:
    """(the database's revision, the newest this code knows)."""
    head = ScriptDirectory.from_config(_config(db)).get_current_head()
    with translate_errors(), db.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return current, head or ""
