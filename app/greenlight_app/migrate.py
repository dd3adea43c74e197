"""Apply database migrations: `python -m greenlight_app.migrate` (alembic upgrade head).

Forward-only and idempotent: a second run finds the database at head and does nothing.
Concurrent runs (two Job pods, a rollout racing a retry) serialize on a PostgreSQL advisory
lock taken in migrations/env.py.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine

from greenlight_app import logs
from greenlight_app.db import normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
log = logging.getLogger("greenlight_app.migrate")


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def revisions_unknown_here(database_url: str) -> set[str]:
    """Revisions the database is at that this version's code does not ship (the schema is ahead)."""
    engine = create_engine(normalize_url(database_url))
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    finally:
        engine.dispose()
    known = {script.revision for script in ScriptDirectory.from_config(alembic_config(database_url)).walk_revisions()}
    return current - known


def upgrade(database_url: str) -> None:
    command.upgrade(alembic_config(database_url), "head")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    logs.configure(os.environ.get("LOG_LEVEL", "info"))
    if argv:
        log.error("migrate takes no arguments (forward-only: there is no downgrade); got %s", argv)
        return 2
    database_url = os.environ.get("DATABASE_URL")
    if not database_url:
        log.error("DATABASE_URL is not set")
        return 2
    try:
        ahead = revisions_unknown_here(database_url)
        if ahead:
            # Blue-green: the older color runs against the newer schema (migrations are expand-only),
            # so its migration Job has nothing to do and must not fail the deployment.
            log.info("database schema is ahead of this version (at %s); nothing to migrate", sorted(ahead))
            return 0
        upgrade(database_url)
    except Exception:
        log.exception("migration failed")
        return 1
    log.info("database is at the latest revision")
    return 0


if __name__ == "__main__":
    sys.exit(main())
