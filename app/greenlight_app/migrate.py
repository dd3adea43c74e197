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
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from greenlight_app import logs
from greenlight_app.db import normalize_url

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"
# libpq's connect_timeout: without it a filtered port hangs for the kernel's TCP timeout (minutes);
# the Job's retries (backoffLimit) are the place to wait for a database that is still starting.
CONNECT_TIMEOUT_SECONDS = 10
log = logging.getLogger("greenlight_app.migrate")


class DatabaseUnreachable(Exception):
    """The database could not be reached at all: one line says where and why, no traceback."""


def describe_target(database_url: str) -> str:
    """`user@host:port/database` of a URL, never its password."""
    url = make_url(normalize_url(database_url))
    host = url.host or url.query.get("host") or "local socket"
    port = f":{url.port}" if url.port else ""
    user = f"{url.username}@" if url.username else ""
    return f"{user}{host}{port}/{url.database or ''}"


def driver_reason(error: OperationalError) -> str:
    """The driver's own first line, e.g. 'connection to server at "10.0.0.5", port 5432 failed: ...'."""
    text = str(error.orig or error).strip().splitlines()[0]
    for prefix in ("connection failed: ", "connection is bad: "):
        text = text.removeprefix(prefix)
    return text


def alembic_config(database_url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    # ConfigParser interpolation: a literal % in a password must be doubled.
    cfg.set_main_option("sqlalchemy.url", normalize_url(database_url).replace("%", "%%"))
    return cfg


def revisions_unknown_here(database_url: str) -> set[str]:
    """Revisions the database is at that this version's code does not ship (the schema is ahead)."""
    engine = create_engine(normalize_url(database_url), connect_args={"connect_timeout": CONNECT_TIMEOUT_SECONDS})
    try:
        try:
            connection = engine.connect()
        except OperationalError as error:
            raise DatabaseUnreachable(
                f"cannot connect to the database {describe_target(database_url)}: {driver_reason(error)}"
            ) from error
        with connection:
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
    except DatabaseUnreachable as unreachable:
        # Not a bug in the migration: the traceback would only bury where and why (LOG_LEVEL=debug shows it).
        log.error("migration failed: %s", unreachable)
        log.debug("connection error", exc_info=True)
        return 1
    except Exception:
        log.exception("migration failed")
        return 1
    log.info("database is at the latest revision")
    return 0


if __name__ == "__main__":
    sys.exit(main())
