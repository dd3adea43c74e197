"""The service dashboard: is the app serving its users, how fast is it spending its error budget, and
is it running out of room (RED per color and version, SLO burn and budget, saturation, restarts)."""

from __future__ import annotations

from decimal import Decimal
from enum import IntEnum
from typing import Any

from components.contract import (
    APP_GROUPING,
    COLOR,
    HTTP_DURATION_BUCKET,
    HTTP_REQUESTS,
    SERVER_ERROR_STATUS,
    VERSION,
    app_selector,
    error_ratio_record,
    traffic_selector,
)
from components.rules import dashboards_kit as kit
from components.rules.model import number
from components.rules.platform import RESTARTS_THRESHOLD, RESTARTS_WINDOW
from components.rules.slo import BURN_RATE_PAIRS, error_budget
from components.settings import AppSpec

KIND = "service"
LATENCY_QUANTILES = (0.5, 0.95, 0.99)
# The period the SRE workbook's burn rates are computed for (14.4x over 1h spends 2% of 30 days).
SLO_PERIOD = "30d"
BY_RELEASE = f"{COLOR}, {VERSION}"
RELEASE_LEGEND = f"{{{{{COLOR}}}}} {{{{{VERSION}}}}}"
BUDGET_LOW = 0.25  # a quarter of the budget left: time to slow releases down (orange)
SATURATED = 1.0  # usage / limit: at 1 the CPU is throttled, the memory OOM-killed


class ServicePanel(IntEnum):
    TRAFFIC_ROW = 1
    REQUESTS = 2
    ERRORS = 3
    LATENCY = 4
    STATUSES = 5
    SLO_ROW = 6
    BURN = 7
    BUDGET_LEFT = 8
    AVAILABILITY = 9
    RESOURCES_ROW = 10
    CPU = 11
    MEMORY = 12
    RESTARTS = 13
    WAITING = 14
    TARGETS = 15


def requests(selector: str, window: str, extra: str = "") -> str:
    return f"rate({HTTP_REQUESTS}{{{selector}{extra}}}[{window}])"


def error_ratio(selector: str, window: str, by: str) -> str:
    """5xx share of requests per `by`; 0, not "No data", while no 5xx series exists yet."""
    total = f"sum by ({by}) ({requests(selector, window)})"
    five_xx = f', status=~"{SERVER_ERROR_STATUS}"'
    errors = f"sum by ({by}) ({requests(selector, window, five_xx)})"
    return f"(\n  {errors}\n  or\n  {total} * 0\n)\n/\n{total}"


def latency_quantile(quantile: float, selector: str, window: str, by: str) -> str:
    buckets = f"rate({HTTP_DURATION_BUCKET}{{{selector}}}[{window}])"
    return f"histogram_quantile({number(quantile)}, sum by ({by}, le) ({buckets}))"


def _red_panels(spec: AppSpec) -> list[Any]:
    sel = f"{traffic_selector(spec.name, spec.namespace)}, {kit.release_matchers()}"
    alerting = spec.alerting
    latency = [
        kit.prom(latency_quantile(q, sel, kit.RATE, BY_RELEASE), f"p{round(q * 100)} {RELEASE_LEGEND}")
        for q in LATENCY_QUANTILES
    ]
    return [
        kit.timeseries(
            ServicePanel.REQUESTS,
            "Requests per second by color and version",
            "Is traffic arriving, and which color and version serves it? Probes are left out.",
            "reqps",
            [kit.prom(f"sum by ({BY_RELEASE}) ({requests(sel, kit.RATE)})", RELEASE_LEGEND)],
        ),
        kit.timeseries(
            ServicePanel.ERRORS,
            "5xx error ratio by color and version",
            f"Share of requests answered with 5xx. HighErrorRate pages above {number(alerting.error_rate_threshold)}"
            " (the dashed line) for 5 minutes; a jump in one color only points at its version.",
            "percentunit",
            [kit.prom(error_ratio(sel, kit.RATE, BY_RELEASE), RELEASE_LEGEND)],
            limits=kit.limit_lines(alerting.error_rate_threshold),
        ),
        kit.timeseries(
            ServicePanel.LATENCY,
            "Latency p50 / p95 / p99 by color and version",
            "How long requests take. HighLatencyP99 warns when p99 stays above "
            f"{number(alerting.latency_p99_seconds)}s (the dashed line).",
            "s",
            kit.refs(*latency),
            limits=kit.limit_lines(alerting.latency_p99_seconds),
        ),
        kit.timeseries(
            ServicePanel.STATUSES,
            "Requests per second by route and status",
            "Which routes fail, and with which status: the first place to look after an error alert.",
            "reqps",
            [kit.prom(f"sum by (route, status) ({requests(sel, kit.RATE)})", "{{route}} {{status}}")],
        ),
    ]


def burn_rate(spec: AppSpec, window: str, budget: Decimal) -> str:
    """The recorded error ratio over `window` in units of the error budget (1 = spent exactly on time)."""
    by = ", ".join(APP_GROUPING)
    recorded = f"{error_ratio_record(window)}{{{app_selector(spec.name, spec.namespace)}}}"
    # The ratio needs a 5xx series to exist; without one the burn is 0 while requests arrive.
    zero = f"sum by ({by}) ({requests(traffic_selector(spec.name, spec.namespace), window)}) * 0"
    return f"(\n  {recorded}\n  or\n  {zero}\n)\n/ {number(budget)}"


def _slo_panels(spec: AppSpec) -> list[Any]:
    objective = spec.alerting.availability_objective
    budget = error_budget(objective)
    app_traffic = traffic_selector(spec.name, spec.namespace)
    burns = [kit.prom(burn_rate(spec, p.long_window, budget), f"{p.long_window} window") for p in BURN_RATE_PAIRS]
    rates = ", ".join(f"{number(p.burn_rate)}x over {p.long_window}" for p in BURN_RATE_PAIRS)
    left = f"1 - {_period_ratio(app_traffic, SLO_PERIOD)} / {number(budget)}"
    availability = f"1 - {_period_ratio(app_traffic, kit.RANGE)}"
    return [
        kit.timeseries(
            ServicePanel.BURN,
            f"Error-budget burn rate ({number(objective)}% availability SLO)",
            "How fast the error budget burns: 1 spends it exactly over 30 days. The burn-rate alerts fire at "
            f"{rates} (dashed lines) when the matching short window agrees.",
            "x",
            kit.refs(*burns),
            limits=kit.limit_lines(*sorted({p.burn_rate for p in BURN_RATE_PAIRS})),
        ),
        kit.stat(
            ServicePanel.BUDGET_LEFT,
            f"Error budget left ({SLO_PERIOD})",
            f"Share of the {SLO_PERIOD} error budget ({number(budget * 100)}% of requests) not yet spent; negative: "
            "overspent. Reads only what Prometheus retains (monitoring.retention).",
            "percentunit",
            kit.prom(left, "budget left"),
            kit.thresholds((None, kit.BAD), (0, kit.WARN), (BUDGET_LOW, kit.OK)),
        ),
        kit.stat(
            ServicePanel.AVAILABILITY,
            "Availability over the selected time range",
            "Share of requests not answered with 5xx over the dashboard's time range.",
            "percentunit",
            kit.prom(availability, "availability"),
            kit.thresholds((None, kit.BAD), (objective / 100, kit.OK)),
        ),
    ]


def _period_ratio(selector: str, window: str) -> str:
    total = f"sum(increase({HTTP_REQUESTS}{{{selector}}}[{window}]))"
    errors = f'sum(increase({HTTP_REQUESTS}{{{selector}, status=~"{SERVER_ERROR_STATUS}"}}[{window}]))'
    return f"(\n  ({errors} or {total} * 0)\n  /\n  {total}\n)"


def usage_of_limit(usage: str, pods: str, resource: str) -> str:
    limit = f'sum by (pod) (kube_pod_container_resource_limits{{{pods}, resource="{resource}"}})'
    return f"sum by (pod) ({usage})\n/\n{limit}"


def _resource_panels(spec: AppSpec) -> list[Any]:
    pods = f'namespace="{spec.namespace}", container="{spec.name}"'
    cpu = usage_of_limit(f"rate(container_cpu_usage_seconds_total{{{pods}}}[{kit.RATE}])", pods, "cpu")
    memory = usage_of_limit(f"container_memory_working_set_bytes{{{pods}}}", pods, "memory")
    namespace = f'namespace="{spec.namespace}"'
    restarts = f"increase(kube_pod_container_status_restarts_total{{{namespace}}}[{RESTARTS_WINDOW}])"
    targets = f"up{{{app_selector(spec.name, spec.namespace)}, {kit.release_matchers()}}}"
    return [
        kit.timeseries(
            ServicePanel.CPU,
            "CPU used / CPU limit per pod",
            "Saturation: at 1 (the dashed line) the kernel throttles the container and latency climbs.",
            "percentunit",
            [kit.prom(cpu, "{{pod}}")],
            limits=kit.limit_lines(SATURATED),
        ),
        kit.timeseries(
            ServicePanel.MEMORY,
            "Memory working set / memory limit per pod",
            "Saturation: at 1 (the dashed line) the kernel OOM-kills the container (a restart).",
            "percentunit",
            [kit.prom(memory, "{{pod}}")],
            limits=kit.limit_lines(SATURATED),
        ),
        kit.timeseries(
            ServicePanel.RESTARTS,
            f"Container restarts in the last {RESTARTS_WINDOW} (namespace)",
            f"PodRestartingFrequently warns above {RESTARTS_THRESHOLD} (the dashed line). Any container in the "
            "namespace counts: the app, its gate and migration Jobs.",
            "short",
            [kit.prom(f"sum by (pod, container) ({restarts})", "{{pod}} {{container}}")],
            limits=kit.limit_lines(RESTARTS_THRESHOLD),
        ),
        kit.timeseries(
            ServicePanel.WAITING,
            "Containers waiting, by reason (namespace)",
            "Containers not running yet, and why: CrashLoopBackOff for 15 minutes fires PodCrashLooping; "
            "ImagePullBackOff or CreateContainerConfigError point at the release itself.",
            "short",
            [
                kit.prom(
                    f"sum by (pod, container, reason) (kube_pod_container_status_waiting_reason{{{namespace}}})",
                    "{{pod}} {{container}} {{reason}}",
                )
            ],
        ),
        kit.timeseries(
            ServicePanel.TARGETS,
            "Pods scraped, up and down, by color and version",
            "Whether Prometheus reaches every pod: a pod down fires AppTargetDown, none up AppNoTargetsUp "
            "(then this panel is empty: check the ServiceMonitor, the Services and the NetworkPolicy).",
            "short",
            kit.refs(
                kit.prom(f"sum by ({BY_RELEASE}) ({targets})", f"up {RELEASE_LEGEND}"),
                kit.prom(f"sum by ({BY_RELEASE}) (1 - {targets})", f"down {RELEASE_LEGEND}"),
            ),
            width=kit.GRID_COLUMNS,
        ),
    ]


def service_dashboard(spec: AppSpec) -> dict[str, Any]:
    uid = kit.dashboard_uid(spec.name, KIND)
    board = kit.dashboard(
        uid,
        f"{spec.name} service ({spec.namespace})",
        "Is the app serving its users (RED per color and version), how fast does it spend its error budget, "
        "and is it running out of room?",
        spec.name,
        KIND,
    ).variables(kit.release_variables(spec.name, spec.namespace))
    sections = (
        (ServicePanel.TRAFFIC_ROW, "Traffic: rate, errors, duration", _red_panels(spec)),
        (ServicePanel.SLO_ROW, "Availability SLO", _slo_panels(spec)),
        (ServicePanel.RESOURCES_ROW, "Saturation, restarts, scraping", _resource_panels(spec)),
    )
    for row_id, title, panels in sections:
        board = board.with_row(kit.row(row_id, title))
        for panel in panels:
            board = board.with_panel(panel)
    return kit.render(board)
