"""Alerts on what the app runs on: its pods (kube-state-metrics), and the alerting pipeline itself."""

from __future__ import annotations

from components.rules.model import Alert, AppScope

WATCHDOG = "Watchdog"
# kube-prometheus' KubePodCrashLooping: waiting in CrashLoopBackOff at any point of 5m, for 15m.
CRASH_LOOP_LOOKBACK = "5m"
CRASH_LOOP_FOR = "15m"
# More than this many restarts of one container within the window is not normal churn.
RESTARTS_THRESHOLD = 3
RESTARTS_WINDOW = "1h"
RESTARTS_FOR = "5m"


def pod_crash_looping(scope: AppScope) -> Alert:
    return Alert(
        name="PodCrashLooping",
        expr=(
            f'max_over_time(kube_pod_container_status_waiting_reason{{namespace="{scope.namespace}", '
            f'reason="CrashLoopBackOff"}}[{CRASH_LOOP_LOOKBACK}]) >= 1'
        ),
        for_=CRASH_LOOP_FOR,
        severity="warning",
        summary="A container keeps crashing (CrashLoopBackOff)",
        description=(
            "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} has been in "
            f"CrashLoopBackOff for {CRASH_LOOP_FOR}."
        ),
    )


def pod_restarting(scope: AppScope) -> Alert:
    return Alert(
        name="PodRestartingFrequently",
        expr=(
            f'increase(kube_pod_container_status_restarts_total{{namespace="{scope.namespace}"}}'
            f"[{RESTARTS_WINDOW}]) > {RESTARTS_THRESHOLD}"
        ),
        for_=RESTARTS_FOR,
        severity="warning",
        summary=f"A container restarted more than {RESTARTS_THRESHOLD} times in {RESTARTS_WINDOW}",
        description=(
            "Container {{ $labels.container }} of pod {{ $labels.pod }} in {{ $labels.namespace }} restarted "
            f'{{{{ $value | printf "%.0f" }}}} times in the last {RESTARTS_WINDOW}.'
        ),
    )


def watchdog() -> Alert:
    # Always firing: Alertmanager forwards it to a dead-man's switch, which pages when it STOPS arriving.
    return Alert(
        name=WATCHDOG,
        expr="vector(1)",
        for_="0s",
        severity="info",
        summary="The alerting pipeline is alive",
        description=(
            "This alert always fires. It is routed to the dead-man's-switch receiver; if that service stops "
            "hearing from Alertmanager, Prometheus, Alertmanager or the route between them is broken."
        ),
    )
