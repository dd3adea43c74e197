"""Alembic environment: online migrations only, serialized by a PostgreSQL advisory lock."""

from __future__ import annotations

import os

from alembic import context
from sqlalchemy import create_engine, pool, text

# Arbitrary but fixed key: every migrate run of this service contends for the same lock.
# (ASCII "greenlit" as a 64-bit integer, to stay clear of keys other tools pick.)
ADVISORY_LOCK_KEY = int.from_bytes(b"greenlit", "big") & 0x7FFF_FFFF_FFFF_FFFF


def _database_url() -> str:
    url = context.config.get_main_option("sqlalchemy.url") or os.environ.get("DATABASE_URL")
    if not url:
        raise RuntimeError("no database URL: set DATABASE_URL")
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def run_migrations_online() -> None:
    engine = create_engine(_database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(connection=connection, target_metadata=None)
        with context.begin_transaction():
            if connection.dialect.name == "postgresql":
                # Transaction-scoped: released at commit or rollback, even if we crash.
                # The second runner waits here, then reads alembic_version after the first
                # committed, finds head and does nothing.
                connection.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK_KEY})
            context.run_migrations()


if context.is_offline_mode():
    raise SystemExit("offline (--sql) migrations are not supported; run against the database")
run_migrations_online()
