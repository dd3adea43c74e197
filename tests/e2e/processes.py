"""Launch the real prometheus and Alertmanager binaries on free 127.0.0.1 ports with throwaway data dirs."""

from __future__ import annotations

import json
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from tests.support.postgres import free_port

READY_TIMEOUT_SECONDS = 20
STOP_TIMEOUT_SECONDS = 5
POLL_SECONDS = 0.1
HTTP_TIMEOUT_SECONDS = 2


def get_json(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
        return json.loads(response.read())


class BinaryProcess:
    """One server binary: writes its config file, starts it, waits for /-/ready, stops it for sure."""

    def __init__(self, name: str, binary: str, workdir: Path) -> None:
        self.name = name
        self.binary = binary
        self.port = free_port()
        self.dir = workdir / name
        self.dir.mkdir(parents=True)
        self.config_path = self.dir / f"{name}.yml"
        self.log_path = self.dir / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def write_config(self, config: dict[str, Any]) -> None:
        self.config_path.write_text(yaml.safe_dump(config, sort_keys=False))

    def args(self) -> list[str]:
        raise NotImplementedError

    def start(self) -> BinaryProcess:
        with self.log_path.open("wb") as log:
            self.process = subprocess.Popen([self.binary, *self.args()], stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"{self.name} exited with {self.process.returncode}\n{self.log_tail()}")
            try:
                with urllib.request.urlopen(f"{self.base_url}/-/ready", timeout=HTTP_TIMEOUT_SECONDS) as response:
                    if response.status == 200:
                        return self
            except (urllib.error.URLError, OSError):
                pass
            time.sleep(POLL_SECONDS)
        raise AssertionError(f"{self.name} not ready within {READY_TIMEOUT_SECONDS}s\n{self.log_tail()}")

    def api(self, path: str, **query: str) -> Any:
        url = f"{self.base_url}{path}"
        if query:
            url += "?" + urllib.parse.urlencode(query)
        return get_json(url)

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:] if self.log_path.exists() else ""

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(timeout=STOP_TIMEOUT_SECONDS)

    def __enter__(self) -> BinaryProcess:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


class Prometheus(BinaryProcess):
    def __init__(self, binary: str, workdir: Path) -> None:
        super().__init__("prometheus", binary, workdir)

    def args(self) -> list[str]:
        return [
            f"--config.file={self.config_path}",
            f"--storage.tsdb.path={self.dir / 'data'}",
            f"--web.listen-address={self.address}",
            # Re-send still-firing alerts every second instead of every minute, so Alertmanager
            # hears about every evaluation promptly (Prometheus default: 1m).
            "--rules.alert.resend-delay=1s",
        ]

    def alerts(self) -> list[dict[str, Any]]:
        alerts: list[dict[str, Any]] = self.api("/api/v1/alerts")["data"]["alerts"]
        return alerts

    def rule_names(self) -> set[str]:
        groups = self.api("/api/v1/rules")["data"]["groups"]
        return {rule["name"] for group in groups for rule in group["rules"]}

    def targets(self) -> list[dict[str, Any]]:
        targets: list[dict[str, Any]] = self.api("/api/v1/targets", state="active")["data"]["activeTargets"]
        return targets


class Alertmanager(BinaryProcess):
    def __init__(self, binary: str, workdir: Path) -> None:
        super().__init__("alertmanager", binary, workdir)

    def args(self) -> list[str]:
        return [
            f"--config.file={self.config_path}",
            f"--storage.path={self.dir / 'data'}",
            f"--web.listen-address={self.address}",
            "--cluster.listen-address=",  # empty: no gossip, a single instance
        ]
