"""`migrate` against a database that cannot be reached: one clear line, no traceback, exit 1."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest

from tests.support.app_server import APP_DIR

MIGRATE_TIMEOUT_SECONDS = 60
PASSWORD = "do-not-print-me"  # noqa: S105 (a marker the output must not contain)


@pytest.fixture
def closed_port() -> Iterator[int]:
    """A port that refuses connections: bound (so nothing else takes it) but not listening."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


def run_migrate(database_url: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "LOG_LEVEL": "info"}
    return subprocess.run(
        [sys.executable, "-m", "greenlight_app", "migrate"],
        cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=MIGRATE_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip


def test_a_closed_port_gives_one_line_naming_the_host_and_the_failure(closed_port: int) -> None:
    result = run_migrate(f"postgresql://app:{PASSWORD}@127.0.0.1:{closed_port}/app")

    assert result.returncode == 1
    assert result.stderr == ""
    lines = result.stdout.splitlines()
    assert len(lines) == 1, result.stdout
    record = json.loads(lines[0])
    assert record["level"] == "error"
    assert record["message"] == (
        f"migration failed: cannot connect to the database app@127.0.0.1:{closed_port}/app: "
        f'connection to server at "127.0.0.1", port {closed_port} failed: Connection refused'
    )
    assert "exception" not in record
    assert "Traceback" not in result.stdout
    assert PASSWORD not in result.stdout


def test_an_unresolvable_host_is_named_too() -> None:
    result = run_migrate(f"postgresql://app:{PASSWORD}@db.invalid:5432/app")  # .invalid never resolves (RFC 2606)

    assert result.returncode == 1
    [line] = result.stdout.splitlines()
    message = json.loads(line)["message"]
    assert message.startswith("migration failed: cannot connect to the database app@db.invalid:5432/app: ")
    assert "db.invalid" in message.split(": ", 2)[2]
    assert PASSWORD not in result.stdout


def test_debug_level_keeps_the_traceback_for_whoever_asks(closed_port: int) -> None:
    env = {**os.environ, "DATABASE_URL": f"postgresql://app:pw@127.0.0.1:{closed_port}/app", "LOG_LEVEL": "debug"}
    result = subprocess.run(
        [sys.executable, "-m", "greenlight_app", "migrate"],
        cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=MIGRATE_TIMEOUT_SECONDS, check=False,
    )  # fmt: skip

    assert result.returncode == 1
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert any("Connection refused" in r.get("exception", "") for r in records if r["level"] == "debug")
