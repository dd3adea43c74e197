"""Traffic through a stand-in for the Gateway's HTTPRoute: each request goes to the canary color's service or
the stable one, in the proportion of the route's weight, from a few threads, bounded in count and time."""

from __future__ import annotations

import threading
import time
from collections import Counter

from tests.support.app_server import request

PATHS = ("/", "/api/items")  # application routes (probes are never fault-injected nor judged)
THREADS = 3
REQUEST_INTERVAL_SECONDS = 0.02  # ~40 requests/s per thread: a 5% canary gets ~6/s
REQUEST_TIMEOUT_SECONDS = 2
MAX_SECONDS = 300


class SplitTraffic:
    """`weight` % of requests to `canary_port`, the rest to `stable_port`; counts answers per color."""

    def __init__(self, stable_port: int, canary_port: int) -> None:
        self.ports = {"stable": stable_port, "canary": canary_port}
        self.weight = 0
        self.answers: Counter[tuple[str, str]] = Counter()
        self._sent = 0
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(THREADS)]

    def start(self) -> SplitTraffic:
        for thread in self._threads:
            thread.start()
        return self

    def route(self, weight: int) -> None:
        """What the HTTPRoute's update does: from now on, `weight` % to the canary."""
        with self._lock:
            self.weight = weight

    def _next(self) -> tuple[str, str]:
        """Deterministic split: request n goes to the canary when it carries the share past a whole request."""
        with self._lock:
            n, self._sent = self._sent, self._sent + 1
            color = "canary" if (n + 1) * self.weight // 100 > n * self.weight // 100 else "stable"
        return color, PATHS[n % len(PATHS)]

    def _run(self) -> None:
        deadline = time.monotonic() + MAX_SECONDS
        while not self._stop.is_set() and time.monotonic() < deadline:
            color, path = self._next()
            try:
                outcome = str(request(self.ports[color], path, timeout=REQUEST_TIMEOUT_SECONDS).status)
            except OSError as error:
                outcome = type(error).__name__
            with self._lock:
                self.answers[(color, outcome)] += 1
            self._stop.wait(REQUEST_INTERVAL_SECONDS)

    def served(self, color: str) -> int:
        with self._lock:
            return sum(n for (c, _), n in self.answers.items() if c == color)

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_SECONDS + 1)
