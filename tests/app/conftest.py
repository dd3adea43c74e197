"""Fixtures for tests that run the real service (gunicorn subprocess) and a real PostgreSQL."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
# `tests.support` and the app package must import however pytest was started.
for path in (REPO_ROOT, REPO_ROOT / "app"):
    if str(path) not in sys.path:
        sys.path.insert(0, str(path))

from tests.support.app_server import ServiceProcess  # noqa: E402
from tests.support.postgres import PostgresServer  # noqa: E402


@pytest.fixture
def service_factory() -> Iterator[Callable[..., ServiceProcess]]:
    """Start services with extra environment; every one is stopped at teardown."""
    started: list[ServiceProcess] = []

    def start(command: list[str] | None = None, **env: str) -> ServiceProcess:
        service = ServiceProcess(env, command).start()
        started.append(service)
        return service

    yield start
    for service in started:
        service.stop()


@pytest.fixture
def service(service_factory: Callable[..., ServiceProcess]) -> ServiceProcess:
    """A ready service with default settings and no database."""
    running = service_factory()
    running.wait_ready()
    return running


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """One PostgreSQL for the session; tests take a fresh database each (create_database)."""
    with PostgresServer.create() as server:
        yield server


@pytest.fixture
def private_postgres() -> Iterator[PostgresServer]:
    """A PostgreSQL of the test's own, for tests that stop and start it."""
    with PostgresServer.create() as server:
        yield server
