"""Steady, bounded request traffic against the service from a background thread."""

from __future__ import annotations

import threading
import time
from collections import Counter

from tests.support.app_server import request

# Application routes only (probes are counted under their own route and never fault-injected).
TRAFFIC_PATHS = ("/", "/api/items")
REQUEST_INTERVAL_SECONDS = 0.02  # ~40 requests/s with 2 workers: enough samples per 1s scrape
# The idle color of a blue-green release only sees checks (preview Service, gate): a trickle.
PREVIEW_INTERVAL_SECONDS = 0.2
REQUEST_TIMEOUT_SECONDS = 2
MAX_REQUESTS = 10_000
MAX_SECONDS = 180


class TrafficDriver:
    """Sends requests until stop(), MAX_REQUESTS or MAX_SECONDS, whichever comes first; counts outcomes."""

    def __init__(self, port: int, interval: float = REQUEST_INTERVAL_SECONDS) -> None:
        self.port = port
        self.interval = interval
        self.outcomes: Counter[str] = Counter()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="e2e-traffic", daemon=True)

    def start(self) -> TrafficDriver:
        self._thread.start()
        return self

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        for sent in range(MAX_REQUESTS):
            if self._stop.is_set() or time.monotonic() > deadline:
                return
            try:
                outcome = str(
                    request(self.port, TRAFFIC_PATHS[sent % len(TRAFFIC_PATHS)], timeout=REQUEST_TIMEOUT_SECONDS).status
                )
            except OSError as error:
                outcome = type(error).__name__
            with self._lock:
                self.outcomes[outcome] += 1
            self._stop.wait(self.interval)

    def counts(self) -> dict[str, int]:
        with self._lock:
            return dict(self.outcomes)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=REQUEST_TIMEOUT_SECONDS + 1)
