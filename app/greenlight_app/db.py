"""Database access: engine construction and a cached, non-blocking readiness check."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable

from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine

log = logging.getLogger("greenlight_app.db")


def normalize_url(url: str) -> str:
    """Accept the libpq-style URLs operators write and select the psycopg 3 driver."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def make_engine(url: str, service_name: str, timeout_seconds: int) -> Engine:
    return create_engine(
        normalize_url(url),
        # A connection the server closed (restart, failover) is detected and replaced
        # instead of failing the next request.
        pool_pre_ping=True,
        pool_size=5,
        max_overflow=5,
        pool_timeout=timeout_seconds,
        connect_args={"connect_timeout": timeout_seconds, "application_name": service_name},
    )


class DatabaseCheck:
    """`SELECT 1` with a short timeout, its verdict reused for `ttl` seconds.

    Only one thread probes at a time; concurrent callers get the previous verdict instead of
    queueing behind a slow database (a probe must answer within its own timeout).
    """

    def __init__(self, engine: Engine, ttl: float, clock: Callable[[], float] = time.monotonic) -> None:
        self._engine = engine
        self._ttl = ttl
        self._clock = clock
        self._lock = threading.Lock()
        self._healthy: bool | None = None
        self._checked_at = -math.inf

    def healthy(self) -> bool:
        if self._healthy is not None and self._clock() - self._checked_at < self._ttl:
            return self._healthy
        if not self._lock.acquire(blocking=False):
            return bool(self._healthy)
        try:
            result = self._probe()
            if result != self._healthy:
                log.log(
                    logging.INFO if result else logging.WARNING,
                    "database is %s",
                    "reachable" if result else "unreachable",
                )
            self._healthy, self._checked_at = result, self._clock()
            return result
        finally:
            self._lock.release()

    def _probe(self) -> bool:
        try:
            with self._engine.connect() as connection:
                connection.execute(text("SELECT 1"))
            return True
        except Exception as error:  # noqa: BLE001 (any failure means "not ready"; reason is logged)
            log.debug("database check failed: %s", error)
            return False
