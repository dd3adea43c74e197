"""Alerts on the app's PostgreSQL (CloudNativePG): does the database answer, and does it keep its replicas.

The signal is CloudNativePG's own, not Prometheus' ``up``. Each instance pod runs the instance manager,
whose exporter (pkg/management/postgres/webserver/metricserver/pg_collector.go, docs/src/monitoring.md
"Predefined set of metrics") keeps answering on :9187 while PostgreSQL itself is down, and reports
``cnpg_collector_up{cluster="<cluster>"}``: 1 when PostgreSQL answers a ping, 0 when it does not. So:

- PostgreSQL down, exporter up: ``up`` stays 1, ``cnpg_collector_up`` turns 0;
- pods gone (deleted, Pending, the PodMonitor no longer matching): the series vanish; only ``absent()`` sees it;
- a planned restart or fencing: the exporter skips the ping and keeps its last value (``MightBeUnavailable``,
  ``IsFenced`` in the same file), so planned downtime does not page.

Which pod is the primary comes from the pod label ``cnpg.io/instanceRole``, which the PodMonitor copies to
the target label ``role`` (components/objects/database.py; components/contract.py).
"""

from __future__ import annotations

from components.contract import (
    CNPG_CLUSTER_METRIC_LABEL,
    CNPG_POSTGRES_UP,
    CNPG_PRIMARY,
    DATABASE_JOB,
    DATABASE_ROLE,
    database_cluster_name,
)
from components.rules.model import Alert, AppScope

DATABASE_DOWN = "DatabaseDown"
DATABASE_DEGRADED = "DatabaseDegraded"
# Alert label naming the CloudNativePG Cluster. Not `cluster`: kube-prometheus uses that for the
# Kubernetes cluster in multi-cluster setups (CloudNativePG's own chart alerts use `cnpg_cluster` too).
CLUSTER_LABEL = "cnpg_cluster"
# Checklist (DESIGN.md): DatabaseDown keeps its name, severity critical and a 1m `for`.
DATABASE_DOWN_FOR = "1m"
# A replica restarted by a rolling update or an operator upgrade answers again within minutes; one away
# for longer leaves the cluster with less redundancy than configured: a ticket, not a page.
DATABASE_DEGRADED_FOR = "15m"


def _selector(scope: AppScope) -> str:
    cluster = database_cluster_name(scope.app)
    return f'job="{DATABASE_JOB}", namespace="{scope.namespace}", {CNPG_CLUSTER_METRIC_LABEL}="{cluster}"'


def _labels(scope: AppScope) -> dict[str, str]:
    # absent() and count() return no labels: the routing and inhibition labels are set on the rule.
    return {"job": DATABASE_JOB, "namespace": scope.namespace, CLUSTER_LABEL: database_cluster_name(scope.app)}


def database_down(scope: AppScope) -> Alert:
    """Once per cluster: no primary whose PostgreSQL answers (primary down, no ready instance, or no series)."""
    cluster = database_cluster_name(scope.app)
    return Alert(
        name=DATABASE_DOWN,
        expr=f'absent({CNPG_POSTGRES_UP}{{{_selector(scope)}, {DATABASE_ROLE}="{CNPG_PRIMARY}"}} == 1)',
        for_=DATABASE_DOWN_FOR,
        severity="critical",
        summary=f"PostgreSQL of {scope.app} is down: no primary of {cluster} answers",
        description=(
            f"For {DATABASE_DOWN_FOR}, no instance of the CloudNativePG cluster {cluster} in {scope.namespace} "
            f"labelled {DATABASE_ROLE}={CNPG_PRIMARY} has reported {CNPG_POSTGRES_UP} == 1: PostgreSQL on the primary "
            "does not answer, or its metrics are gone (pods deleted or Pending, PodMonitor not matching). "
            "Writes fail and the app's pods are unready."
        ),
        labels=_labels(scope),
    )


def database_degraded(scope: AppScope, instances: int) -> Alert:
    """Fewer instances answering than the cluster runs: a replica is down (the primary still serves)."""
    cluster = database_cluster_name(scope.app)
    return Alert(
        name=DATABASE_DEGRADED,
        expr=f"count({CNPG_POSTGRES_UP}{{{_selector(scope)}}} == 1) < {instances}",
        for_=DATABASE_DEGRADED_FOR,
        severity="warning",
        summary=f"PostgreSQL of {scope.app}: fewer than {instances} instances of {cluster} answer",
        description=(
            f"Only {{{{ $value }}}} of the {instances} PostgreSQL instances of {cluster} in {scope.namespace} have "
            f"answered for {DATABASE_DEGRADED_FOR}; the cluster has less redundancy than configured."
        ),
        labels=_labels(scope),
    )


def database_alerts(scope: AppScope, instances: int) -> tuple[Alert, ...]:
    """DatabaseDown, plus DatabaseDegraded when there are replicas to lose."""
    return (database_down(scope), database_degraded(scope, instances)) if instances > 1 else (database_down(scope),)
