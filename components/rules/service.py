"""Alerts on the app's own signals: errors, latency and whether Prometheus can scrape it at all."""

from __future__ import annotations

from components.contract import APP_GROUPING, COLOR, HTTP_DURATION_BUCKET, error_ratio_record
from components.rules.model import Alert, AppScope, number

HIGH_ERROR_RATE = "HighErrorRate"
APP_TARGET_DOWN = "AppTargetDown"
APP_NO_TARGETS_UP = "AppNoTargetsUp"
# Checklist (DESIGN.md): "HighErrorRate: 5xx share of requests above 5% for 5m".
HIGH_ERROR_RATE_WINDOW = "5m"
HIGH_ERROR_RATE_FOR = "5m"
# p99 must stay high for a while before anyone is woken; one slow deploy minute is not a trend.
LATENCY_QUANTILE = 0.99
LATENCY_WINDOW = "5m"
LATENCY_FOR = "10m"
# One unreachable pod is a warning (others serve); none reachable is an outage.
TARGET_DOWN_FOR = "5m"
NO_TARGETS_FOR = "3m"


def high_error_rate(scope: AppScope, threshold: float) -> Alert:
    return Alert(
        name=HIGH_ERROR_RATE,
        expr=f"{error_ratio_record(HIGH_ERROR_RATE_WINDOW)}{{{scope.selector}}} > {number(threshold)}",
        for_=HIGH_ERROR_RATE_FOR,
        severity="critical",
        summary=f"{scope.app}: more than {number(threshold * 100)}% of requests fail with 5xx",
        description=(
            "{{ $value | humanizePercentage }} of the requests to {{ $labels.job }} in {{ $labels.namespace }} "
            f"returned a 5xx status over the last {HIGH_ERROR_RATE_WINDOW} (threshold {number(threshold * 100)}%)."
        ),
    )


def high_latency(scope: AppScope, p99_seconds: float) -> Alert:
    by = ", ".join((*APP_GROUPING, "le"))
    return Alert(
        name="HighLatencyP99",
        expr=(
            f"histogram_quantile({number(LATENCY_QUANTILE)}, sum by ({by}) "
            f"(rate({HTTP_DURATION_BUCKET}{{{scope.traffic_selector}}}[{LATENCY_WINDOW}])))\n> {number(p99_seconds)}"
        ),
        for_=LATENCY_FOR,
        severity="warning",
        summary=f"{scope.app}: p99 latency above {number(p99_seconds)}s",
        description=(
            "The 99th percentile request duration of {{ $labels.job }} in {{ $labels.namespace }} is "
            f"{{{{ $value | humanizeDuration }}}} (threshold {number(p99_seconds)}s) for {LATENCY_FOR}."
        ),
    )


def app_target_down(scope: AppScope) -> Alert:
    return Alert(
        name=APP_TARGET_DOWN,
        expr=f"up{{{scope.selector}}} == 0",
        for_=TARGET_DOWN_FOR,
        severity="warning",
        summary=f"{scope.app}: Prometheus cannot scrape a pod",
        description=(
            "Prometheus has failed to scrape {{ $labels.instance }} (pod {{ $labels.pod }}, color "
            f"{{{{ $labels.{COLOR} }}}}) of "
            "{{ $labels.job }} in {{ $labels.namespace }} for "
            f"{TARGET_DOWN_FOR}; its metrics and alerts are blind for that pod."
        ),
    )


def app_no_targets_up(scope: AppScope) -> Alert:
    # absent() of a comparison has no labels, so the routing labels are set on the rule.
    return Alert(
        name=APP_NO_TARGETS_UP,
        expr=f"absent(up{{{scope.selector}}} == 1)",
        for_=NO_TARGETS_FOR,
        severity="critical",
        summary=f"{scope.app}: no pod can be scraped",
        description=(
            f"No scrape target of job {scope.app} in {scope.namespace} has been up for {NO_TARGETS_FOR}: "
            "either every pod is down or Prometheus no longer discovers the app (ServiceMonitor, Service, "
            "NetworkPolicy)."
        ),
        labels={"job": scope.app, "namespace": scope.namespace},
    )
