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
        upgrade(database_url)
    except Exception:
        log.exception("migration failed")
        return 1
    log.info("database is at the latest revision")
    return 0


if __name__ == "__main__":
    sys.exit(main())
