"""Against a real PostgreSQL: migrations (fresh, re-run, concurrent) and readiness on outages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable

import pytest

from tests.support.app_server import APP_DIR, ServiceProcess
from tests.support.postgres import PostgresServer

MIGRATE_TIMEOUT_SECONDS = 60
HEAD_REVISION = "0001"
OUTAGE_DETECTION_TIMEOUT_SECONDS = 15
RECOVERY_TIMEOUT_SECONDS = 20
# 80 polls 50 ms apart (> 4 s): longer than a worker's verdict cache (1.5 s) plus its 2 s connect timeout,
# so every gunicorn worker has re-probed the database before the test reads its verdict.
STABLE_POLLS = 80


def run_migrate(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "greenlight_app.migrate", *args],
        cwd=APP_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=MIGRATE_TIMEOUT_SECONDS,
        check=False,
    )


def start_migrate(database_url: str) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    return subprocess.Popen(
        [sys.executable, "-m", "greenlight_app.migrate"],
        cwd=APP_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def database_name(url: str) -> str:
    return url.rsplit("/", 1)[1]


def schema_state(pg: PostgresServer, url: str) -> tuple[list[tuple[object, ...]], object]:
    db = database_name(url)
    versions = pg.execute("SELECT version_num FROM alembic_version", db)
    items = pg.execute("SELECT to_regclass('public.items')", db)[0][0]
    return versions, items


def test_migrations_apply_from_empty_and_rerun_is_a_noop(postgres_server: PostgresServer) -> None:
    url = postgres_server.create_database("migrate")
    first = run_migrate(url)
    assert first.returncode == 0, first.stdout + first.stderr
    assert "Running upgrade  -> 0001" in first.stdout
    assert schema_state(postgres_server, url) == ([(HEAD_REVISION,)], "items")
    columns = postgres_server.execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'items' ORDER BY ordinal_position",
        database_name(url),
    )
    assert [c[0] for c in columns] == ["id", "name", "created_at"]

    postgres_server.execute("INSERT INTO items (name) VALUES ('kept')", database_name(url))
    second = run_migrate(url)
    assert second.returncode == 0, second.stdout + second.stderr
    assert "Running upgrade" not in second.stdout
    assert schema_state(postgres_server, url) == ([(HEAD_REVISION,)], "items")
    assert postgres_server.execute("SELECT name FROM items", database_name(url)) == [("kept",)]


def test_an_older_version_against_a_newer_schema_is_a_noop(postgres_server: PostgresServer) -> None:
    """Blue-green: the idle (older) color's migration Job must succeed without touching the schema."""
    url = postgres_server.create_database("ahead")
    assert run_migrate(url).returncode == 0
    postgres_server.execute("UPDATE alembic_version SET version_num = '9999_from_a_newer_release'", database_name(url))
    older = run_migrate(url)
    assert older.returncode == 0, older.stdout + older.stderr
    assert "schema is ahead of this version" in older.stdout + older.stderr
    assert postgres_server.execute("SELECT version_num FROM alembic_version", database_name(url)) == [
        ("9999_from_a_newer_release",)
    ]


def test_concurrent_migrations_serialize_on_the_advisory_lock(
    postgres_server: PostgresServer,
) -> None:
    url = postgres_server.create_database("race")
    runs = [start_migrate(url) for _ in range(3)]
    outputs = [run.communicate(timeout=MIGRATE_TIMEOUT_SECONDS)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0, 0], outputs
    assert sum("Running upgrade  -> 0001" in output for output in outputs) == 1, outputs
    assert schema_state(postgres_server, url) == ([(HEAD_REVISION,)], "items")


def test_migrate_is_forward_only_and_needs_a_database_url(postgres_server: PostgresServer) -> None:
    refused = run_migrate(postgres_server.url(), "downgrade", "base")
    assert refused.returncode == 2
    assert "forward-only" in refused.stdout
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    missing = subprocess.run(
        [sys.executable, "-m", "greenlight_app", "migrate"],
        cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=30, check=False,
    )  # fmt: skip
    assert missing.returncode == 2
    assert "DATABASE_URL is not set" in missing.stdout


def test_items_are_read_from_the_database(
    postgres_server: PostgresServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    url = postgres_server.create_database("items")
    assert run_migrate(url).returncode == 0
    postgres_server.execute("INSERT INTO items (name) VALUES ('alpha'), ('beta')", database_name(url))
    svc = service_factory(DATABASE_URL=url)
    svc.wait_ready()
    reply = svc.request("/api/items")
    assert reply.status == 200
    assert reply.json() == {
        "items": [{"id": 1, "name": "alpha"}, {"id": 2, "name": "beta"}],
        "source": "database",
    }
    assert svc.request("/ready").json() == {"status": "ready", "checks": {"database": "up"}}


def _wait_for_status(svc: ServiceProcess, status: int, timeout: float) -> float:
    started = time.monotonic()
    # Every worker keeps its own cached verdict: wait until all of them agree.
    svc.wait_until("/ready", status, timeout=timeout, consecutive=STABLE_POLLS)
    return time.monotonic() - started


def test_readiness_follows_the_database_down_and_back_up(
    private_postgres: PostgresServer, service_factory: Callable[..., ServiceProcess]
) -> None:
    url = private_postgres.create_database("outage")
    svc = service_factory(DATABASE_URL=url)
    svc.wait_ready()
    assert svc.request("/api/items").status in (200, 503)  # table not migrated: either is fine

    private_postgres.stop()
    went_down = _wait_for_status(svc, 503, OUTAGE_DETECTION_TIMEOUT_SECONDS)
    body = svc.request("/ready").json()
    assert body == {"status": "unavailable", "checks": {"database": "down"}}
    assert svc.request("/health").status == 200  # liveness must not restart the pod for this

    private_postgres.start()
    came_back = _wait_for_status(svc, 200, RECOVERY_TIMEOUT_SECONDS)
    print(f"\n/ready: 503 {went_down:.2f}s after postgres stopped; 200 again {came_back:.2f}s after it started")
    assert svc.request("/ready").json()["checks"] == {"database": "up"}


@pytest.mark.parametrize("scheme", ["postgres://", "postgresql://", "postgresql+psycopg://"])
def test_database_url_schemes(scheme: str) -> None:
    from greenlight_app.db import normalize_url

    assert normalize_url(f"{scheme}u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
