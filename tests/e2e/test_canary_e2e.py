"""A progressive canary on real processes: the release pipeline's canary flow (scripts/canary_release.py)
stepping two real services, blue (stable, 1.5.0) and green (the canary, 1.6.0), both under gunicorn and
scraped by a real Prometheus as the rendered ServiceMonitor makes the Operator scrape the two color
Services. Each step's `pulumi up` is played by what it does to traffic and what it runs:
- the HTTPRoute's weight: a traffic splitter sends that share of ~120 requests/s to green, the rest to blue;
- the step gate: the rendered step Job's own script (`/bin/sh -c`), with its environment, judging the
  real traffic in Prometheus against the stable color over the same window.
Changed for a laptop, and nothing else: the URLs, scrapes every second, the pause and its window 15 s
(rendered: 1m, the shortest allowed) and the settle 2 s. The landing and promotion gates are not run here
(tests/e2e/test_gate_e2e.py runs them); the public URL's smoke test is taken as passing.

Faults: green 0.2 s slower than blue (its p99 far above blue's, yet under the absolute 0.5 s limit), or
green answering 10% errors with the absolute error limit raised to 20% (so only the comparison can see it):
either canary is aborted at its first step. A healthy green goes through 5, 25, 50 and 100% and becomes active.
"""

from __future__ import annotations

import contextlib
import subprocess
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from components.objects import canary
from scripts import release
from scripts.release import Deployed, Track
from tests.e2e import rendered_config
from tests.e2e.processes import Prometheus
from tests.e2e.split_traffic import SplitTraffic
from tests.support.app_server import ServiceProcess
from tests.support.fake_stack import FreeStack
from tests.support.gate import FAST, job_env
from tests.support.preview import Preview, preview
from tests.support.tools import require_tool

pytestmark = pytest.mark.slow

CANARY = ("greenlight:release.strategy=canary", "greenlight:release.canary.pause=1m")
RENDERED_WINDOW = "offset 1m"
E2E_PAUSE_SECONDS = 15
STEPS = (5, 25, 50, 100)
BLUE = Track("ghcr.io/acme/greenlight-web:1.5.0@sha256:" + "a" * 64, "1.5.0")
GREEN = Track("ghcr.io/acme/greenlight-web:1.6.0@sha256:" + "c" * 64, "1.6.0")
SLOWER_SECONDS = 0.2  # prod's gate allows a p99 of 0.5 s: this canary passes that, not the comparison
ERROR_SHARE = 0.1
LOOSE_ERROR_LIMIT = ("greenlight:release.gate.maxErrorRatio=0.2",)


def rendered(weight: int, extra: tuple[str, ...]) -> Preview:
    return preview("prod", *CANARY, *extra, f"greenlight:release.canaryWeight={weight}")


def step_env(weight: int, extra: tuple[str, ...], prometheus_url: str) -> dict[str, str]:
    """The rendered step Job's environment at `weight`, its window and waits shortened, Prometheus local."""
    (job,) = [
        j
        for j in rendered(weight, extra).manifests("Job")
        if j["metadata"]["labels"].get("greenlight.dev/gate") == canary.CANARY_STEP
    ]
    env = job_env(job)
    queries = [k for k in env if k.endswith("_QUERY")]
    assert len(queries) == 6 and all(env[k].count(RENDERED_WINDOW) >= 1 for k in queries)
    for key in queries:
        env[key] = env[key].replace(RENDERED_WINDOW, f"offset {E2E_PAUSE_SECONDS}s")
    env.update(FAST, PROMETHEUS_URL=prometheus_url, PAUSE_SECONDS=str(E2E_PAUSE_SECONDS))
    return env


def run_step_gate(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    require_tool("curl")
    command = [require_tool("sh"), "-c", canary.STEP_SCRIPT]
    return subprocess.run(
        command, env={"PATH": "/usr/bin:/bin", **env}, capture_output=True, text=True, timeout=120, check=False
    )


@dataclass
class PlayedStack(FreeStack):
    """The Stack the pipeline drives; `up` does to real traffic what the update does in a cluster."""

    traffic: SplitTraffic
    prometheus_url: str
    overrides: tuple[str, ...] = ()
    name: str = "prod"
    config: dict[str, str] = field(default_factory=dict)
    gate_runs: list[tuple[int, subprocess.CompletedProcess[str]]] = field(default_factory=list)

    def strategy(self) -> str:
        return "canary"

    def repo_active_color(self) -> str:
        return "blue"

    def canary_steps(self) -> tuple[int, ...]:
        return STEPS

    def deployed(self) -> Deployed:
        return Deployed("blue", {"blue": BLUE}, None, 0)

    def config_set(self, key: str, value: str) -> None:
        self.config[key] = value

    def up(self) -> bool:
        weight = int(self.config.get("release.canaryWeight", "0"))
        if self.config.get("release.activeColor") == "green":  # the canary made active: all of it, no gate
            self.traffic.route(100)
            return True
        self.traffic.route(weight)  # the HTTPRoute
        if weight == 0:  # landing (gates not played here) or abort: no step gate
            return True
        result = run_step_gate(step_env(weight, self.overrides, self.prometheus_url))
        self.gate_runs.append((weight, result))
        return result.returncode == 0


@pytest.fixture
def colors(tmp_path: Path) -> Iterator[Callable[..., PlayedStack]]:
    prometheus_bin = require_tool("prometheus")
    with contextlib.ExitStack() as cleanup:

        def start(overrides: tuple[str, ...] = (), **fault: str) -> PlayedStack:
            blue = ServiceProcess({"APP_VERSION": BLUE.version}).start()
            cleanup.callback(blue.stop)
            green = ServiceProcess({"APP_VERSION": GREEN.version, **fault}).start()
            cleanup.callback(green.stop)
            blue.wait_ready()
            green.wait_ready()
            prometheus = Prometheus(prometheus_bin, tmp_path)
            config = {"global": {"scrape_interval": rendered_config.E2E_SCRAPE_INTERVAL}}
            prometheus.write_config({**config, "scrape_configs": [scrape_job(blue, green)]})
            cleanup.enter_context(prometheus)
            traffic = SplitTraffic(blue.port, green.port).start()
            cleanup.callback(traffic.stop)
            return PlayedStack(traffic, prometheus.base_url, overrides)

        yield start


def scrape_job(blue: ServiceProcess, green: ServiceProcess) -> dict[str, object]:
    """One job for the ServiceMonitor, a target behind each color Service, as the Operator writes it."""
    p = rendered(5, ())
    monitor = p.manifest("ServiceMonitor", "web")
    pods = [
        rendered_config.ScrapedPod(
            p.manifest("Service", f"web-{color}"),
            p.manifest("Deployment", f"web-{color}")["spec"]["template"],
            f"web-{color}-e2e-0",
            f"127.0.0.1:{service.port}",
        )
        for color, service in (("blue", blue), ("green", green))
    ]
    return rendered_config.service_monitor_job(monitor, pods)


def run(stack: PlayedStack) -> tuple[int, list[str]]:
    said: list[str] = []
    return release.release(stack, GREEN, lambda _: True, said.append), said


def report(stack: PlayedStack, said: list[str]) -> str:
    gates = "\n".join(f"--- {w}%: exit {r.returncode}\n{r.stdout}{r.stderr}" for w, r in stack.gate_runs)
    return "\n".join(said) + "\n" + gates


def test_a_healthy_canary_goes_through_every_step_and_becomes_active(colors: Callable[..., PlayedStack]) -> None:
    stack = colors()
    code, said = run(stack)
    assert code == 0, report(stack, said)
    assert [w for w, _ in stack.gate_runs] == list(STEPS)
    for weight, result in stack.gate_runs:
        assert result.stdout.rstrip().endswith("gate: PASS"), report(stack, said)
        compared = "p99 latency in s against the stable color is" in result.stdout
        assert compared is (weight < 100), report(stack, said)  # at 100% blue serves nothing: no baseline
    assert "no baseline, the limits alone decide" in stack.gate_runs[-1][1].stdout
    assert stack.config["release.activeColor"] == "green" and stack.traffic.weight == 100
    print_judgements(stack)


def print_judgements(stack: PlayedStack) -> None:
    """What each step's gate measured (pytest -s shows it): the numbers the README quotes."""
    print("\ncanary e2e judgements:")
    for weight, result in stack.gate_runs:
        lines = [line.removeprefix("gate: ") for line in (result.stdout + result.stderr).splitlines()]
        print(f"  {weight}%: " + "; ".join(line for line in lines if " is " in line or "served" in line))


@pytest.mark.parametrize(
    ("fault", "overrides", "verdict"),
    [
        ({"FAULT_DELAY_SECONDS": str(SLOWER_SECONDS)}, (), "p99 latency in s against the stable color is"),
        ({"FAULT_ERROR_RATE": str(ERROR_SHARE)}, LOOSE_ERROR_LIMIT, "error ratio against the stable color is"),
    ],
    ids=["slower", "errors"],
)
def test_a_canary_clearly_worse_than_stable_is_aborted_at_its_first_step(
    colors: Callable[..., PlayedStack], fault: dict[str, str], overrides: tuple[str, ...], verdict: str
) -> None:
    stack = colors(overrides, **fault)
    code, said = run(stack)
    assert code == 1, report(stack, said)
    ((weight, result),) = stack.gate_runs
    assert weight == 5 and result.returncode == 1, report(stack, said)
    assert verdict in result.stderr and "above the limit" in result.stderr, report(stack, said)
    # It passed the absolute limits: only the comparison with blue over the same window caught it.
    assert "error ratio (Prometheus) is" in result.stdout and "p99 latency in s (Prometheus) is" in result.stdout
    assert said[-1].startswith("prod: canary aborted at step 1/4 (5%)") and "all traffic back on blue" in said[-1]
    assert stack.traffic.weight == 0 and "release.activeColor" in stack.config
    assert stack.config["release.activeColor"] == "blue"
    print_judgements(stack)
