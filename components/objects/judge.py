"""Judging one color over a window from Prometheus: the queries and the environment scripts/judge.sh reads.

Reusable on its own (a progressive canary judges each step with ``judge_env`` and ``JUDGE_SCRIPT``);
the release gate (gate.py) adds readiness, capacity and its own sample of requests around it.

Why not `increase()`: a counter series born inside the window (a new pod, the first 5xx of a route) has
no earlier sample, and `increase()` over it misses everything counted before its first scrape. A gate
that sends a burst to a fresh color would see nothing, or no errors. Each series' change is therefore
taken against its value one window ago, or against zero when it did not exist then.
"""

from __future__ import annotations

from pathlib import Path

from components.contract import (
    HTTP_DURATION_BUCKET,
    HTTP_REQUESTS,
    SERVER_ERROR_STATUS,
    color_traffic_selector,
    prometheus_url,
    track_name,
)
from components.settings import AppSpec

JUDGE_SCRIPT = (Path(__file__).parent / "scripts" / "judge.sh").read_text(encoding="utf-8")
# kube-state-metrics v2 (kube-prometheus-stack's subchart): a Deployment's desired and available pods.
KSM_SPEC_REPLICAS = "kube_deployment_spec_replicas"
KSM_AVAILABLE_REPLICAS = "kube_deployment_status_replicas_available"
# Polling Prometheus until the window holds enough requests: 6 x 10 s, one more minute after settling.
JUDGE_ATTEMPTS = 6
JUDGE_INTERVAL_SECONDS = 10


def window_change(series: str, window: str) -> str:
    """Per series: how much it grew over `window`, a series born inside the window counting from zero.

    Counter resets (a restarted pod) clamp to 0 rather than subtract.
    """
    return f"clamp_min({series} - ({series} offset {window} or {series} * 0), 0)"


def _series(spec: AppSpec, color: str, metric: str, extra: str = "") -> str:
    return f"{metric}{{{color_traffic_selector(spec.name, spec.namespace, color)}{extra}}}"


def requests_query(spec: AppSpec, color: str, window: str | None = None) -> str:
    """Requests the color served in the window (probes left out); the gate's window unless given."""
    return f"sum({window_change(_series(spec, color, HTTP_REQUESTS), window or spec.release.gate.window)})"


def error_ratio_query(spec: AppSpec, color: str, window: str | None = None) -> str:
    """5xx share of the color's requests (http_requests_total{method,route,status}, DESIGN.md); 0 without 5xx."""
    window = window or spec.release.gate.window
    errors = window_change(_series(spec, color, HTTP_REQUESTS, f', status=~"{SERVER_ERROR_STATUS}"'), window)
    total = window_change(_series(spec, color, HTTP_REQUESTS), window)
    return f"(sum({errors}) or vector(0)) / sum({total})"


def p99_latency_query(spec: AppSpec, color: str, window: str | None = None) -> str:
    buckets = window_change(_series(spec, color, HTTP_DURATION_BUCKET), window or spec.release.gate.window)
    return f"histogram_quantile(0.99, sum by (le) ({buckets}))"


def judge_env(spec: AppSpec, color: str, window: str | None = None) -> dict[str, str]:
    """What judge.sh needs to judge `color` against the gate's limits; empty without monitoring."""
    if not spec.monitoring.enabled:
        return {}
    gate = spec.release.gate
    return {
        "PROMETHEUS_URL": prometheus_url(spec.monitoring.namespace),
        "REQUESTS_QUERY": requests_query(spec, color, window),
        "ERROR_RATIO_QUERY": error_ratio_query(spec, color, window),
        "P99_LATENCY_QUERY": p99_latency_query(spec, color, window),
        "MIN_REQUESTS": str(gate.min_requests),
        "MAX_ERROR_RATIO": str(gate.max_error_ratio),
        "MAX_P99_LATENCY_SECONDS": str(gate.max_p99_latency_seconds),
        "JUDGE_ATTEMPTS": str(JUDGE_ATTEMPTS),
        "JUDGE_INTERVAL_SECONDS": str(JUDGE_INTERVAL_SECONDS),
    }


def compare_env(spec: AppSpec, stable: str, window: str) -> dict[str, str]:
    """What judge.sh's compare_with_stable needs: the stable color over the same window, and the margins."""
    canary = spec.release.canary
    return {
        "STABLE_REQUESTS_QUERY": requests_query(spec, stable, window),
        "STABLE_ERROR_RATIO_QUERY": error_ratio_query(spec, stable, window),
        "STABLE_P99_LATENCY_QUERY": p99_latency_query(spec, stable, window),
        "MAX_ERROR_RATIO_INCREASE": str(canary.max_error_ratio_increase),
        "MAX_P99_LATENCY_INCREASE": str(canary.max_p99_latency_increase),
        "P99_LATENCY_TOLERANCE_SECONDS": str(canary.p99_latency_tolerance_seconds),
    }


def _deployment(spec: AppSpec, metric: str, color: str) -> str:
    return f'max({metric}{{namespace="{spec.namespace}", deployment="{track_name(spec.name, color)}"}})'


def ready_pods_query(spec: AppSpec, color: str) -> str:
    """Available pods of the color's Deployment; 0 before kube-state-metrics has seen it."""
    return f"{_deployment(spec, KSM_AVAILABLE_REPLICAS, color)} or vector(0)"


def needed_pods_query(spec: AppSpec, live: str | None, share: float, low: int, high: int) -> str:
    """Pods the target must run: `share` of the live color's desired replicas now, within [low, high].

    `live` None: only the target's own minimum (`low`) counts.
    """
    if live is None:
        return f"vector({low})"
    desired = _deployment(spec, KSM_SPEC_REPLICAS, live)
    return f"clamp_max(clamp_min(ceil({desired} * {share:g}), {low}), {high}) or vector({low})"
