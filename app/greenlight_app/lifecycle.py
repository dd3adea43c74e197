"""Process-wide state shared between the gunicorn master and its forked workers.

The master receives SIGTERM; the workers answer /ready. They share nothing but the filesystem
and the environment, so the master creates a private state directory under /tmp (path passed
to workers in GREENLIGHT_STATE_DIR) and drops a `draining` flag file into it. Checking a file's
existence is a single stat() per readiness probe, cheap enough.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path

STATE_DIR_ENV = "GREENLIGHT_STATE_DIR"
DRAINING_FLAG = "draining"
FAULT_FILE = "fault.json"


def mark_draining(state_dir: str | None) -> None:
    """Called by the gunicorn master on SIGTERM."""
    if state_dir:
        Path(state_dir, DRAINING_FLAG).touch()


def clear_state(state_dir: str | None) -> None:
    """Called by the gunicorn master at start, in case the directory is reused."""
    if not state_dir:
        return
    for name in (DRAINING_FLAG, FAULT_FILE):
        Path(state_dir, name).unlink(missing_ok=True)


class Lifecycle:
    """Answers 'has this worker finished starting?' and 'is the server draining?'."""

    def __init__(self, state_dir: str | None) -> None:
        self._state_dir = state_dir
        self._started = False
        self._draining = False  # used when running without gunicorn (tests, flask run)

    @property
    def started(self) -> bool:
        return self._started

    def mark_started(self) -> None:
        self._started = True

    def begin_draining(self) -> None:
        self._draining = True
        mark_draining(self._state_dir)

    @property
    def draining(self) -> bool:
        if self._draining:
            return True
        return bool(self._state_dir) and os.path.exists(os.path.join(self._state_dir or "", DRAINING_FLAG))


@dataclass(frozen=True)
class FaultConfig:
    error_rate: float = 0.0
    delay_seconds: float = 0.0


class FaultStore:
    """Fault injection settings: from the environment, overridable at runtime for tests.

    A runtime override is written to the shared state directory so that every worker sees it,
    not only the one that happened to serve `POST /admin/fault`.
    """

    def __init__(self, initial: FaultConfig, state_dir: str | None, runtime: bool) -> None:
        self._initial = initial
        self._runtime = runtime
        self._path = Path(state_dir, FAULT_FILE) if state_dir else None
        self._local: FaultConfig | None = None
        self._cache: tuple[int, FaultConfig] | None = None
        self._lock = threading.Lock()

    def current(self) -> FaultConfig:
        if not self._runtime:
            return self._initial
        if self._path is None:
            return self._local or self._initial
        try:
            mtime = self._path.stat().st_mtime_ns
        except FileNotFoundError:
            return self._initial
        cached = self._cache
        if cached is not None and cached[0] == mtime:
            return cached[1]
        try:
            data = json.loads(self._path.read_text())
            config = FaultConfig(float(data["error_rate"]), float(data["delay_seconds"]))
        except (OSError, ValueError, KeyError):
            return self._initial
        self._cache = (mtime, config)
        return config

    def set(self, config: FaultConfig) -> None:
        if self._path is None:
            self._local = config
            return
        with self._lock:
            tmp = self._path.with_suffix(f".{os.getpid()}.{threading.get_ident()}.tmp")
            tmp.write_text(json.dumps({"error_rate": config.error_rate, "delay_seconds": config.delay_seconds}))
            os.replace(tmp, self._path)  # atomic: readers never see half a file
