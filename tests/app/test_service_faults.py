"""Fault injection drives the e2e alert tests; it must be precise and off by default."""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.support.app_server import ServiceProcess

SAMPLE = 400
# Binomial(400, 0.3): sd ~ 9.2 requests; +-0.1 is ~4.4 sd, so a false failure is ~1e-5.
TOLERANCE = 0.1


def _error_share(svc: ServiceProcess, path: str = "/") -> float:
    statuses = [svc.request(path).status for _ in range(SAMPLE)]
    assert set(statuses) <= {200, 500}, set(statuses)
    return statuses.count(500) / SAMPLE


def test_env_error_rate_gives_that_share_of_500s(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    svc = service_factory(FAULT_ERROR_RATE="0.3")
    svc.wait_ready()
    share = _error_share(svc)
    print(f"\nFAULT_ERROR_RATE=0.3 -> {share:.3f} of {SAMPLE} requests answered 500")
    assert abs(share - 0.3) <= TOLERANCE
    # Probes and metrics are never faulted: Kubernetes must not restart a pod we are testing.
    assert all(svc.request("/health").status == 200 for _ in range(20))
    assert all(svc.request("/ready").status == 200 for _ in range(20))
    assert svc.request("/admin/fault", method="POST", body=b"{}").status == 404  # not enabled


def test_runtime_fault_endpoint_when_enabled(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    svc = service_factory(ENABLE_FAULT_INJECTION="1")
    svc.wait_ready()
    assert _error_share(svc) == 0.0

    def set_rate(rate: float) -> None:
        reply = svc.request(
            "/admin/fault",
            method="POST",
            body=json.dumps({"error_rate": rate}).encode(),
            headers={"Content-Type": "application/json"},
        )
        assert reply.status == 200, reply.body

    set_rate(1.0)  # served by one worker, must apply to all of them
    assert _error_share(svc, "/api/items") == 1.0
    set_rate(0.5)
    share = _error_share(svc)
    print(f"\nPOST /admin/fault error_rate=0.5 -> {share:.3f} of {SAMPLE} requests answered 500")
    assert abs(share - 0.5) <= TOLERANCE
    set_rate(0.0)
    assert _error_share(svc) == 0.0
    bad = svc.request("/admin/fault", method="POST", body=b'{"error_rate": 2}',
                      headers={"Content-Type": "application/json"})  # fmt: skip
    assert bad.status == 400


def test_injected_errors_are_counted_as_5xx(service_factory: Callable[..., ServiceProcess]) -> None:
    svc = service_factory(FAULT_ERROR_RATE="1")
    svc.wait_ready()
    for _ in range(5):
        assert svc.request("/").status == 500
    body = svc.request("/metrics").body.decode()
    assert 'http_requests_total{method="GET",route="/",status="500"} 5.0' in body
