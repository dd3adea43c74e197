"""The release dashboard: both colors side by side, the share of traffic each takes (the canary weight as
the users see it), and the promotion gate's verdicts.

What is observable without extra exporters: the colors' own request series (podTargetLabels put color
and version on them), and kube-state-metrics' Job metrics for the gate Jobs (kube_job_status_succeeded,
kube_job_status_failed, kube_job_status_start_time; labels namespace and job_name, kube-state-metrics
docs/metrics/workload/job-metrics.md). Nothing installed exports the HTTPRoute's configured weights,
so the canary weight shows as what it does: each color's measured share of the requests.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from components.contract import COLOR, VERSION, app_selector, traffic_selector
from components.rules import dashboards_kit as kit
from components.rules.dashboards_service import error_ratio, latency_quantile, requests
from components.rules.model import number
from components.settings import AppSpec

KIND = "release"
GATE_QUANTILE = 0.99  # the gate judges p99 (components/objects/gate.py)
# succeeded - failed of a gate Job (backoffLimit 0: at most one of each).
GATE_VERDICTS = {"1": ("passed", kit.OK), "0": ("running", kit.WARN), "-1": ("failed", kit.BAD)}
COLOR_LEGEND = f"{{{{{COLOR}}}}}"


class ReleasePanel(IntEnum):
    COLORS_ROW = 1
    VERSIONS = 2
    SHARE = 3
    REQUESTS = 4
    ERRORS = 5
    LATENCY = 6
    GATE_ROW = 7
    VERDICTS = 8
    GATE_RUNS = 9


def gate_jobs(spec: AppSpec) -> str:
    """kube-state-metrics matchers for the app's gate Jobs, named `<app>-gate-<hash>` (objects/gate.py)."""
    return f'namespace="{spec.namespace}", job_name=~"{spec.name}-gate-[0-9a-f]+"'


def traffic_share(selector: str) -> str:
    """Each color's share of the app's requests: what the HTTPRoute's weights (or the switch) produce."""
    total = f"sum ({requests(selector, kit.RATE)})"
    return f"sum by ({COLOR}) ({requests(selector, kit.RATE)})\n/ ignoring ({COLOR}) group_left\n{total}"


def _share_panel(spec: AppSpec, selector: str) -> Any:
    # The configured weight is left out on purpose: a canary step then changes the HTTPRoute and
    # nothing else (tests/components/resources/test_release_canary.py); `kubectl get httproute` shows it.
    if spec.release.strategy == "canary":
        note = "Canary: the idle color's share follows the HTTPRoute's weight (release.canaryWeight)."
    else:
        note = "Blue-green: the live color takes the users; the idle one only preview and gate checks."
    return kit.timeseries(
        ReleasePanel.SHARE,
        "Share of requests by color",
        f"Which color the users reach, measured from the requests each color served. {note}",
        "percentunit",
        [kit.prom(traffic_share(selector), COLOR_LEGEND)],
    )


def _color_panels(spec: AppSpec) -> list[Any]:
    selector = traffic_selector(spec.name, spec.namespace)
    gate = spec.release.gate
    window = gate.window
    versions = f"sum by ({COLOR}, {VERSION}) (up{{{app_selector(spec.name, spec.namespace)}}})"
    return [
        kit.table(
            ReleasePanel.VERSIONS,
            "Pods up per color and version",
            "Which version each color runs now, and how many of its pods Prometheus reaches.",
            [kit.prom(versions, "", instant=True)],
        ),
        _share_panel(spec, selector),
        kit.timeseries(
            ReleasePanel.REQUESTS,
            "Requests per second by color",
            "Traffic each color serves: users on the live color, checks on the idle one.",
            "reqps",
            [kit.prom(f"sum by ({COLOR}) ({requests(selector, kit.RATE)})", COLOR_LEGEND)],
            width=kit.THIRD,
        ),
        kit.timeseries(
            ReleasePanel.ERRORS,
            f"5xx error ratio by color over the gate's {window}",
            f"What the promotion gate judges: it refuses a color above {number(gate.max_error_ratio)} "
            "(the dashed line).",
            "percentunit",
            [kit.prom(error_ratio(selector, window, COLOR), COLOR_LEGEND)],
            width=kit.THIRD,
            limits=kit.limit_lines(gate.max_error_ratio),
        ),
        kit.timeseries(
            ReleasePanel.LATENCY,
            f"p99 latency by color over the gate's {window}",
            f"What the promotion gate judges: it refuses a color above {number(gate.max_p99_latency_seconds)}s "
            "(the dashed line).",
            "s",
            [kit.prom(latency_quantile(GATE_QUANTILE, selector, window, COLOR), COLOR_LEGEND)],
            width=kit.THIRD,
            limits=kit.limit_lines(gate.max_p99_latency_seconds),
        ),
    ]


def _gate_panels(spec: AppSpec) -> list[Any]:
    jobs = gate_jobs(spec)
    verdict = (
        f"sum by (job_name) (kube_job_status_succeeded{{{jobs}}})\n-\n"
        f"sum by (job_name) (kube_job_status_failed{{{jobs}}})"
    )
    started = f"max by (job_name) (kube_job_status_start_time{{{jobs}}}) * 1000"
    return [
        kit.state_timeline(
            ReleasePanel.VERDICTS,
            "Promotion gate verdicts",
            "One line per gate Job (one per promotion: its name hashes color, version, image and weight). "
            "Failed: traffic did not move; `kubectl logs job/<name>` says why.",
            kit.prom(verdict, "{{job_name}}"),
            GATE_VERDICTS,
        ),
        kit.table(
            ReleasePanel.GATE_RUNS,
            "Gate runs (start time)",
            "When each gate Job started; the newest is the last promotion attempt.",
            [kit.prom(started, "", instant=True)],
        ).unit("dateTimeAsIso"),
    ]


def release_dashboard(spec: AppSpec) -> dict[str, Any]:
    uid = kit.dashboard_uid(spec.name, KIND)
    board = kit.dashboard(
        uid,
        f"{spec.name} release ({spec.namespace})",
        "Both colors side by side, who takes the traffic, and what the promotion gate decided.",
        spec.name,
        KIND,
    )
    board = board.with_row(kit.row(ReleasePanel.COLORS_ROW, "Colors side by side"))
    for panel in _color_panels(spec):
        board = board.with_panel(panel)
    if spec.release.gate.enabled:
        board = board.with_row(kit.row(ReleasePanel.GATE_ROW, "Promotion gate"))
        for panel in _gate_panels(spec):
            board = board.with_panel(panel)
    return kit.render(board)
