"""Liveness and readiness as Kubernetes uses them: start, serve, drain, exit."""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

from greenlight_app.config import Settings
from greenlight_app.wsgi import create_app, runtime_of

from tests.support.app_server import ServiceProcess


def test_health_answers_200_with_the_version(service: ServiceProcess) -> None:
    reply = service.request("/health")
    assert reply.status == 200
    assert reply.json() == {"status": "ok", "version": "test"}  # ServiceProcess runs APP_VERSION=test


def test_every_answer_names_the_version_that_served_it(service_factory: Callable[..., ServiceProcess]) -> None:
    svc = service_factory(APP_VERSION="1.6.0", ENABLE_FAULT_INJECTION="1", FAULT_ERROR_RATE="1")
    svc.wait_ready()
    for path, status in (("/", 500), ("/api/items", 500), ("/ready", 200), ("/health", 200), ("/nowhere", 404)):
        reply = svc.request(path)
        assert (reply.status, reply.headers["x-app-version"]) == (status, "1.6.0"), path


def test_readiness_becomes_200_after_start(service_factory: Callable[..., ServiceProcess]) -> None:
    svc = service_factory()
    seen = svc.wait_ready()
    print(f"\n/ready outcomes from process start: {seen}")
    assert seen[-1] == 200
    # Before the first 200 there is only "not listening yet" or 503, never a 5xx other than 503.
    assert all(outcome in (503, "ConnectionRefusedError") for outcome in seen[:-1]), seen
    assert svc.request("/ready").json()["status"] == "ready"


def test_readiness_is_503_until_the_worker_has_started() -> None:
    # The "starting" window of one worker is too short to catch over HTTP; check it in-process.
    app = create_app(Settings())
    client = app.test_client()
    assert client.get("/ready").status_code == 503
    assert client.get("/ready").get_json() == {"status": "starting"}
    assert client.get("/health").status_code == 200  # liveness does not wait for readiness
    runtime_of(app).lifecycle.mark_started()
    assert client.get("/ready").status_code == 200


def test_sigterm_fails_readiness_keeps_serving_then_exits_0(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    svc = service_factory(DRAIN_DELAY_SECONDS="2")
    svc.wait_ready()
    svc.sigterm()
    seen = svc.wait_until("/ready", 503, timeout=5)
    assert seen[-1] == 503
    assert svc.request("/ready").json() == {"status": "draining"}
    # Still listening and serving application traffic during the drain delay.
    assert svc.request("/").status == 200
    assert svc.request("/health").status == 200
    assert svc.wait_exit() == 0


def test_in_flight_request_finishes_after_sigterm(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    # No drain delay: listeners close at once, but a request already being served completes.
    svc = service_factory(ENABLE_FAULT_INJECTION="1", FAULT_DELAY_SECONDS="1.5")
    svc.wait_ready()
    outcome: dict[str, object] = {}

    def slow_request() -> None:
        try:
            outcome["status"] = svc.request("/", timeout=10).status
        except OSError as error:
            outcome["status"] = repr(error)

    client = threading.Thread(target=slow_request)
    client.start()
    time.sleep(0.5)  # the request is now inside the handler's injected delay
    svc.sigterm()
    client.join(timeout=15)
    assert outcome.get("status") == 200
    assert svc.wait_exit() == 0


def test_container_entrypoint_execs_gunicorn_as_the_same_process(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    # The image runs `python -m greenlight_app serve`; gunicorn must replace that process (be
    # PID 1 in the container) so that the kubelet's SIGTERM reaches the master directly.
    svc = service_factory(command=[sys.executable, "-m", "greenlight_app", "serve"])
    svc.wait_ready()
    cmdline = Path(f"/proc/{svc.pid}/cmdline").read_bytes().split(b"\0")
    assert any(b"gunicorn" in part for part in cmdline), cmdline
    assert svc.request("/").status == 200
    svc.sigterm()
    assert svc.wait_exit() == 0
