"""The release gate's script judging real traffic: the reference service under gunicorn, a real Prometheus.

The gate runs as its Job would (`/bin/sh -c GATE_SCRIPT` with the rendered Job's environment), with
three changes a laptop needs: the target and Prometheus URLs point at local processes, and the waits
are short (FAST: Prometheus scrapes every second here). Prometheus scrapes the service as the rendered
ServiceMonitor makes the Operator scrape green's pods (tests/e2e/rendered_config.py), and a static
target stands in for kube-state-metrics' Deployment series. Each test gets its own service and
Prometheus, so no test sees another's requests in its window.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from components.objects import judge
from tests.e2e import rendered_config
from tests.e2e.http_stubs import ExporterStandIn
from tests.e2e.processes import Prometheus
from tests.support.app_server import ServiceProcess, request
from tests.support.gate import FAST, job_env, promotion_gate, run_gate
from tests.support.preview import preview
from tests.support.tools import require_tool

pytestmark = pytest.mark.slow

PROMOTE_GREEN = ("prod", "greenlight:release.activeColor=green")  # green (1.5.0) newer than live blue (1.4.2)
POD = "web-green-e2e-0"
# The gate's limits in prod: 1% errors, p99 0.5 s. A faulty version breaks them by far.
ERROR_SHARE = 0.2
SLOW_SECONDS = 0.8


def kube_state_metrics(live_replicas: int, target_available: int) -> str:
    """kube-state-metrics' lines for the live color's desired and the target's available pods."""
    return (
        f"# TYPE {judge.KSM_SPEC_REPLICAS} gauge\n"
        f'{judge.KSM_SPEC_REPLICAS}{{namespace="greenlight-prod",deployment="web-blue"}} {live_replicas}\n'
        f"# TYPE {judge.KSM_AVAILABLE_REPLICAS} gauge\n"
        f'{judge.KSM_AVAILABLE_REPLICAS}{{namespace="greenlight-prod",deployment="web-green"}} {target_available}\n'
    )


@dataclass
class Green:
    """The new version on the green color, scraped by Prometheus, with kube-state-metrics beside it."""

    service: ServiceProcess
    prometheus: Prometheus
    ksm: ExporterStandIn
    env: dict[str, str]  # the promotion gate Job's environment, pointed at them

    def gate(self) -> subprocess.CompletedProcess[str]:
        return run_gate(self.env)

    def judge_window(self) -> subprocess.CompletedProcess[str]:
        """judge.sh alone, as a progressive canary would run it: the window in Prometheus, nothing else."""
        script = 'set -eu\nfail() { echo "gate: FAIL: $*" >&2; exit 1; }\n' + judge.JUDGE_SCRIPT + "judge_window\n"
        env = {"PATH": "/usr/bin:/bin", **self.env}
        return subprocess.run(
            [require_tool("sh"), "-c", script], env=env, capture_output=True, text=True, timeout=60, check=False
        )

    def scraped(self) -> bool:
        targets = self.prometheus.targets()
        return len(targets) == 2 and all(t["health"] == "up" for t in targets)


def _scrape_jobs(service: ServiceProcess, ksm: ExporterStandIn) -> list[dict[str, object]]:
    rendered = preview(*PROMOTE_GREEN)
    monitor = rendered.manifest("ServiceMonitor", "web")
    color_service = rendered.manifest("Service", "web-green")
    pod_template = rendered.manifest("Deployment", "web-green")["spec"]["template"]
    pod = rendered_config.ScrapedPod(color_service, pod_template, POD, f"127.0.0.1:{service.port}")
    app = rendered_config.service_monitor_job(monitor, [pod])
    # kube-prometheus-stack scrapes kube-state-metrics with honorLabels: the objects' namespace labels win.
    state = {
        "job_name": "kube-state-metrics",
        "scrape_interval": rendered_config.E2E_SCRAPE_INTERVAL,
        "honor_labels": True,
        "static_configs": [{"targets": [ksm.address]}],
    }
    return [app, state]


@pytest.fixture
def green(tmp_path: Path) -> Iterator[Callable[..., Green]]:
    prometheus_bin = require_tool("prometheus")
    with contextlib.ExitStack() as cleanup:

        def start(live_replicas: int = 3, available: int = 3, **fault: str) -> Green:
            service = ServiceProcess({"APP_VERSION": "1.5.0", **fault}).start()
            cleanup.callback(service.stop)
            service.wait_ready()
            ksm = ExporterStandIn(lambda: kube_state_metrics(live_replicas, available))
            ksm.start()
            cleanup.callback(ksm.stop)
            prometheus = Prometheus(prometheus_bin, tmp_path)
            config = {"global": {"scrape_interval": rendered_config.E2E_SCRAPE_INTERVAL}}
            prometheus.write_config({**config, "scrape_configs": _scrape_jobs(service, ksm)})
            cleanup.enter_context(prometheus)
            env = job_env(promotion_gate(preview(*PROMOTE_GREEN)))
            env.update(FAST, TARGET_URL=f"http://127.0.0.1:{service.port}", PROMETHEUS_URL=prometheus.base_url)
            running = Green(service, prometheus, ksm, env)
            wait_for(running.scraped, "both targets scraped")
            return running

        yield start


def wait_for(check: Callable[[], bool], what: str, timeout: float = 20) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"{what}: not within {timeout}s"
        time.sleep(0.2)


def report(result: subprocess.CompletedProcess[str]) -> str:
    return f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"


def test_a_healthy_version_passes_on_its_sample_and_in_prometheus(green: Callable[..., Green]) -> None:
    result = green().gate()
    assert result.returncode == 0, report(result)
    out = result.stdout
    assert "web-green runs 3 ready pods (3 needed)" in out
    assert "sent 100 requests to" in out and ", 0 failed" in out
    counted = int(float(out.split("Prometheus counted ")[1].split()[0]))
    assert counted >= 100  # every request of the sample reached the window, though its series were new
    assert "error ratio (Prometheus) is 0 (limit 0.01)" in out
    assert out.rstrip().endswith("gate: PASS")


def test_a_version_answering_errors_fails(green: Callable[..., Green]) -> None:
    result = green(FAULT_ERROR_RATE=str(ERROR_SHARE)).gate()
    assert result.returncode == 1, report(result)
    assert "error ratio (sample) is 0." in result.stderr and "above the limit 0.01" in result.stderr
    assert "gate: PASS" not in result.stdout


def test_a_slow_version_fails_on_p99(green: Callable[..., Green]) -> None:
    running = green(FAULT_DELAY_SECONDS=str(SLOW_SECONDS))
    running.env.update(SAMPLE_REQUESTS="60", SAMPLE_CONCURRENCY="8")  # 60 x 0.8 s / 8: six seconds
    result = running.gate()
    assert result.returncode == 1, report(result)
    p99 = float(result.stderr.split("p99 latency in s (sample) is ")[1].split(",")[0])
    assert p99 >= SLOW_SECONDS and "above the limit 0.5" in result.stderr


def test_a_target_smaller_than_the_live_color_fails_before_any_request(green: Callable[..., Green]) -> None:
    running = green(live_replicas=5, available=3)
    result = running.gate()
    assert result.returncode == 1, report(result)
    assert "web-green runs 3 ready pods, 5 needed to take the traffic" in result.stderr
    assert "sent" not in result.stdout  # the sample waits for the capacity


def test_prometheus_judges_the_window_of_a_faulty_version(green: Callable[..., Green]) -> None:
    """judge.sh on its own: the errors in the window, whoever sent the requests."""
    running = green(FAULT_ERROR_RATE=str(ERROR_SHARE))
    statuses = [request(running.service.port, "/").status for _ in range(150)]
    errors = statuses.count(500)
    assert 0 < errors < len(statuses), statuses
    wait_for(lambda: _counted(running) >= len(statuses), "the requests in Prometheus")
    result = running.judge_window()
    assert result.returncode == 1, report(result)
    ratio = float(result.stderr.split("error ratio (Prometheus) is ")[1].split(",")[0])
    assert ratio == pytest.approx(errors / len(statuses), abs=0.02)


def test_prometheus_without_requests_cannot_judge(green: Callable[..., Green]) -> None:
    running = green()
    running.env.update(JUDGE_ATTEMPTS="3")
    result = running.judge_window()
    assert result.returncode == 1, report(result)
    assert "too few requests to judge" in result.stderr and "at least 50 needed" in result.stderr


def _counted(running: Green) -> float:
    data = running.prometheus.api("/api/v1/query", query=running.env["REQUESTS_QUERY"])["data"]["result"]
    return float(data[0]["value"][1]) if data else 0.0


@pytest.fixture
def green_without_monitoring() -> Iterator[Callable[..., tuple[ServiceProcess, dict[str, str]]]]:
    with contextlib.ExitStack() as cleanup:

        def start(**fault: str) -> tuple[ServiceProcess, dict[str, str]]:
            service = ServiceProcess({"APP_VERSION": "1.5.0", **fault}).start()
            cleanup.callback(service.stop)
            service.wait_ready()
            rendered = preview("staging", "greenlight:release.activeColor=green", "greenlight:monitoring.enabled=false")
            env = job_env(promotion_gate(rendered))
            assert "PROMETHEUS_URL" not in env
            env.update(FAST, TARGET_URL=f"http://127.0.0.1:{service.port}")
            return service, env

        yield start


@pytest.mark.parametrize(("fault", "passes"), [({}, True), ({"FAULT_ERROR_RATE": str(ERROR_SHARE)}, False)])
def test_without_monitoring_the_sample_decides(
    green_without_monitoring: Callable[..., tuple[ServiceProcess, dict[str, str]]],
    fault: dict[str, str],
    passes: bool,
) -> None:
    _, env = green_without_monitoring(**fault)
    result = run_gate(env)
    assert (result.returncode == 0) is passes, report(result)
    if passes:
        assert "monitoring is off: judged on the sample alone" in result.stdout
