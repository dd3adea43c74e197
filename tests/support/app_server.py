"""Run the real greenlight service (gunicorn + workers) as a subprocess on 127.0.0.1."""

from __future__ import annotations

import http.client
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from tests.support.postgres import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
APP_DIR = REPO_ROOT / "app"
GUNICORN_CONFIG = APP_DIR / "gunicorn.conf.py"
# Variables the service reads; scrubbed from the inherited environment so a developer's shell
# cannot change what a test sees.
SERVICE_ENV = (
    "PORT", "HOST", "SERVICE_NAME", "APP_VERSION", "DATABASE_URL", "DRAIN_SECONDS",
    "DRAIN_DELAY_SECONDS", "LOG_LEVEL", "WEB_CONCURRENCY", "WEB_THREADS", "FAULT_ERROR_RATE",
    "FAULT_DELAY_SECONDS", "ENABLE_FAULT_INJECTION", "PROMETHEUS_MULTIPROC_DIR",
    "GREENLIGHT_STATE_DIR",
)  # fmt: skip
STARTUP_TIMEOUT_SECONDS = 20
EXIT_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    path: str,
    method: str = "GET",
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
    timeout: float = 10,
) -> Reply:
    """One request on a fresh connection (no keep-alive: each request stands alone)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        connection.request(method, path, body=body, headers={"Connection": "close", **(headers or {})})
        response = connection.getresponse()
        return Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


class ServiceProcess:
    def __init__(self, env: dict[str, str] | None = None, command: list[str] | None = None) -> None:
        # Default: gunicorn with the service's config, as the image's `serve` command runs it.
        self.command = command or [sys.executable, "-m", "gunicorn", "--config", str(GUNICORN_CONFIG)]
        self.port = free_port()
        self._log = tempfile.NamedTemporaryFile(prefix="greenlight-app-", suffix=".log", delete=False)
        self.log_path = Path(self._log.name)
        base = {k: v for k, v in os.environ.items() if k not in SERVICE_ENV}
        self.env = {
            **base,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": "2",
            "DRAIN_SECONDS": "10",
            "SERVICE_NAME": "greenlight-test",
            "APP_VERSION": "test",
            **(env or {}),
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.started_at = 0.0

    def start(self) -> ServiceProcess:
        self.started_at = time.monotonic()
        self.process = subprocess.Popen(
            self.command,
            cwd=APP_DIR,
            env=self.env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            # Its own process group, so teardown can also reap workers the master left behind.
            start_new_session=True,
        )
        return self

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def request(self, path: str, **kwargs: Any) -> Reply:
        return request(self.port, path, **kwargs)

    def wait_until(
        self,
        path: str,
        status: int,
        timeout: float = STARTUP_TIMEOUT_SECONDS,
        consecutive: int = 1,
    ) -> list[object]:
        """Poll `path` until it answers `status` `consecutive` times in a row.

        Returns the distinct outcomes seen, in order (a status, or an error's class name).
        Each worker process answers for itself, so "every worker agrees" needs consecutive > 1.
        """
        seen: list[object] = []
        streak = 0
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                outcome: object = self.request(path, timeout=2).status
            except OSError as error:
                outcome = type(error).__name__
            if not seen or seen[-1] != outcome:
                seen.append(outcome)
            streak = streak + 1 if outcome == status else 0
            if streak >= consecutive:
                return seen
            time.sleep(0.05)
        raise AssertionError(f"{path} never answered {status} within {timeout}s; saw {seen}\n{self.log_tail()}")

    def wait_ready(self) -> list[object]:
        return self.wait_until("/ready", 200)

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"service exited with {self.process.returncode}\n{self.log_tail()}")

    def sigterm(self) -> None:
        """What the kubelet does: SIGTERM to PID 1 (the gunicorn master) only."""
        os.kill(self.pid, signal.SIGTERM)

    def wait_exit(self, timeout: float = EXIT_TIMEOUT_SECONDS) -> int:
        assert self.process is not None
        return self.process.wait(timeout=timeout)

    def log_lines(self) -> list[dict[str, Any]]:
        """Every stdout line, parsed; a line that is not a JSON object fails the test."""
        lines = []
        for raw in self.log_path.read_text().splitlines():
            if raw.strip():
                parsed = json.loads(raw)
                assert isinstance(parsed, dict), raw
                lines.append(parsed)
        return lines

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text()[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        """Quick shutdown, then SIGKILL whatever is left of the process group.

        A worker still booting when the master's signal arrives ignores it (it runs the
        master's queued handler until it installs its own); the master would only SIGKILL it
        after graceful_timeout, so make sure nothing outlives the test.
        """
        if self.process is not None:
            if self.process.poll() is None:
                self.process.send_signal(signal.SIGQUIT)
                try:
                    self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
                except subprocess.TimeoutExpired:
                    pass
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        self._log.close()
        self.log_path.unlink(missing_ok=True)

    def __enter__(self) -> ServiceProcess:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
