"""SIGTERM under load: no request that reached the server fails, and the process exits 0.

The client side plays Kubernetes: once /ready answers 503 the pod is taken out of the
Service's endpoints, but kube-proxies and load balancers keep sending to it for a while
(ENDPOINT_PROPAGATION_SECONDS). The server keeps listening for DRAIN_DELAY_SECONDS, longer than
that lag, so every request sent during the lag must still succeed. Requests that would be
routed after the endpoint is gone are not sent, and are counted separately.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from tests.support.app_server import ServiceProcess, request

TOTAL_REQUESTS = 2000
CONCURRENCY = 50
SIGTERM_AFTER = 500  # completed requests before the signal
DRAIN_DELAY_SECONDS = 5
ENDPOINT_PROPAGATION_SECONDS = 3  # must stay below DRAIN_DELAY_SECONDS
REQUEST_TIMEOUT_SECONDS = 10
LOAD_TIMEOUT_SECONDS = 60


class LoadBalancer:
    """Decides whether a request is still routed to the pod, like an endpoint list would."""

    def __init__(self) -> None:
        self.removed_at: float | None = None

    def routes(self) -> bool:
        return self.removed_at is None or time.monotonic() < self.removed_at

    def readiness_failed(self) -> None:
        if self.removed_at is None:
            self.removed_at = time.monotonic() + ENDPOINT_PROPAGATION_SECONDS


class LoadRecorder:
    """Sends requests through the balancer and counts what became of each, before and after SIGTERM."""

    def __init__(self, port: int, balancer: LoadBalancer) -> None:
        self.port, self.balancer = port, balancer
        self.outcomes: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.sigterm_at: list[float] = []
        self.ok_after_sigterm = 0
        self.done = 0
        self.reached_signal_point = threading.Event()

    def one_request(self, index: int) -> None:
        if not self.balancer.routes():
            outcome = "not_sent"
        else:
            try:
                status = request(self.port, f"/api/items?n={index}", timeout=REQUEST_TIMEOUT_SECONDS).status
                outcome = "ok" if status == 200 else f"http_{status}"
            except OSError as error:
                outcome = type(error).__name__
        with self.lock:
            self.outcomes[outcome] += 1
            self.done += 1
            if outcome == "ok" and self.sigterm_at:
                self.ok_after_sigterm += 1
            if self.done == SIGTERM_AFTER:
                self.reached_signal_point.set()

    def watch_readiness(self) -> None:
        """Like the endpoints controller: the first failed /ready takes the pod out of the balancer."""
        deadline = time.monotonic() + LOAD_TIMEOUT_SECONDS
        while time.monotonic() < deadline:
            try:
                if request(self.port, "/ready", timeout=2).status == 503:
                    self.balancer.readiness_failed()
                    return
            except OSError:
                self.balancer.readiness_failed()
                return
            time.sleep(0.1)


def test_sigterm_under_load_loses_no_request(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    svc = service_factory(DRAIN_DELAY_SECONDS=str(DRAIN_DELAY_SECONDS), WEB_THREADS="8")
    svc.wait_ready()
    balancer = LoadBalancer()
    load = LoadRecorder(svc.port, balancer)
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=CONCURRENCY) as pool:
        futures = [pool.submit(load.one_request, i) for i in range(TOTAL_REQUESTS)]
        assert load.reached_signal_point.wait(timeout=LOAD_TIMEOUT_SECONDS), "load never reached the signal point"
        load.sigterm_at.append(time.monotonic())
        svc.sigterm()
        watcher = threading.Thread(target=load.watch_readiness)
        watcher.start()
        for future in futures:
            future.result(timeout=LOAD_TIMEOUT_SECONDS)
    load_seconds = time.monotonic() - started
    watcher.join(timeout=LOAD_TIMEOUT_SECONDS)
    exit_code = svc.wait_exit()
    exited_after = time.monotonic() - load.sigterm_at[0]

    outcomes = load.outcomes
    failed = sum(count for outcome, count in outcomes.items() if outcome not in ("ok", "not_sent"))
    print(
        f"\nSIGTERM under load: {TOTAL_REQUESTS} requests, {CONCURRENCY} concurrent, "
        f"SIGTERM after {SIGTERM_AFTER} completed\n"
        f"  ok={outcomes['ok']} failed={failed} not_sent(endpoint removed)={outcomes['not_sent']} "
        f"ok_after_sigterm={load.ok_after_sigterm} outcomes={dict(outcomes)}\n"
        f"  load duration={load_seconds:.2f}s ({outcomes['ok'] / load_seconds:.0f} ok/s), "
        f"process exited {exited_after:.2f}s after SIGTERM with code {exit_code}"
    )
    assert failed == 0, dict(outcomes)
    assert outcomes["ok"] + outcomes["not_sent"] == TOTAL_REQUESTS
    assert load.ok_after_sigterm > 0, "no request was served after SIGTERM: the test did not test drain"
    assert balancer.removed_at is not None, "readiness never reported 503 after SIGTERM"
    assert exit_code == 0
