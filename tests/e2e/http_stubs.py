"""Tiny HTTP servers the e2e test runs in threads on 127.0.0.1: a notification recorder and exporter stand-ins."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from components.contract import CNPG_CLUSTER_METRIC_LABEL, CNPG_POSTGRES_UP
from tests.support.postgres import free_port


@dataclass(frozen=True)
class Notification:
    """One POST Alertmanager made: which path (receiver/integration), when, and the JSON body."""

    path: str
    received_at: float  # time.monotonic()
    body: dict[str, Any]

    @property
    def receiver(self) -> str:
        return self.path.strip("/").split("/")[0]

    @property
    def integration(self) -> str:
        return self.path.strip("/").split("/")[-1]


class _QuietHandler(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass  # keep pytest output for the test's own report


class _Server:
    """A ThreadingHTTPServer on a fixed 127.0.0.1 port that can be stopped and started again."""

    def __init__(self, handler: type[BaseHTTPRequestHandler], port: int | None = None) -> None:
        self.handler = handler
        self.port = port or free_port()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._server is not None

    def start(self) -> None:
        assert self._server is None, "already running"
        # HTTPServer sets SO_REUSEADDR, so a restart can bind the same port at once.
        server = ThreadingHTTPServer(("127.0.0.1", self.port), self.handler)
        server.daemon_threads = True
        server.owner = self  # type: ignore[attr-defined]  # handlers reach their owner through it
        self._server = server
        self._thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Close the listening socket: connections are refused from now on."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        assert self._thread is not None
        self._thread.join(timeout=5)
        self._server = None
        self._thread = None


class _NotificationHandler(_QuietHandler):
    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length)
        owner: NotificationReceiver = self.server.owner  # type: ignore[attr-defined]
        owner.record(self.path, json.loads(raw or b"{}"))
        # Slack's webhook answers "ok"; PagerDuty and plain webhooks only need a 2xx.
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.end_headers()
        self.wfile.write(b"ok")


class NotificationReceiver(_Server):
    """Records every POST; the path says which receiver and integration it was meant for."""

    def __init__(self) -> None:
        super().__init__(_NotificationHandler)
        self._notifications: list[Notification] = []
        self._changed = threading.Condition()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}/{path.strip('/')}"

    def record(self, path: str, body: dict[str, Any]) -> None:
        with self._changed:
            self._notifications.append(Notification(path, time.monotonic(), body))
            self._changed.notify_all()

    def all(self) -> list[Notification]:
        with self._changed:
            return list(self._notifications)

    def wait_for(
        self, matches: Callable[[Notification], bool], timeout: float, describe: str, since: float = 0.0
    ) -> Notification:
        """The first notification received after `since` (monotonic) that `matches`; fails after `timeout`."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                for notification in self._notifications:
                    if notification.received_at >= since and matches(notification):
                        return notification
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    seen = [(n.path, n.body.get("status"), n.body.get("groupLabels")) for n in self._notifications]
                    raise AssertionError(f"no {describe} within {timeout}s; received: {seen}")
                self._changed.wait(remaining)


class _MetricsHandler(_QuietHandler):
    def do_GET(self) -> None:
        owner: ExporterStandIn = self.server.owner  # type: ignore[attr-defined]
        body = owner.exposition().encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; version=0.0.4")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class ExporterStandIn(_Server):
    """Stands in for an exporter the test cannot run (kube-state-metrics, cAdvisor): serves `exposition()`
    on any path; stop() makes its `up` 0."""

    def __init__(self, exposition: Callable[[], str] = lambda: "") -> None:
        super().__init__(_MetricsHandler)
        self._exposition = exposition

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def exposition(self) -> str:
        return self._exposition()


class PostgresExporterStandIn(ExporterStandIn):
    """Stands in for a CloudNativePG instance's metrics endpoint (the instance manager's exporter).

    It answers like the real one: ``cnpg_collector_up{cluster="<cluster>"}`` is 1 while PostgreSQL
    answers and 0 when it does not, and the endpoint itself keeps answering either way
    (pkg/management/postgres/webserver/metricserver/pg_collector.go). ``postgres_up = False`` models
    PostgreSQL down inside a running pod; ``stop()`` models the pod gone (the scrape fails, `up` is 0).
    """

    def __init__(self, cluster: str, queries: Callable[[], str] = lambda: "") -> None:
        super().__init__()
        self.cluster = cluster
        self.postgres_up = True
        self.queries = queries  # the series of the monitoring queries (tests/e2e/stand_ins.py)

    def exposition(self) -> str:
        up = (
            "# HELP cnpg_collector_up 1 if PostgreSQL is up, 0 otherwise.\n"
            "# TYPE cnpg_collector_up gauge\n"
            f'{CNPG_POSTGRES_UP}{{{CNPG_CLUSTER_METRIC_LABEL}="{self.cluster}"}} {int(self.postgres_up)}\n'
        )
        # The monitoring queries run in PostgreSQL: while it is down they return nothing.
        return up + (self.queries() if self.postgres_up else "")
