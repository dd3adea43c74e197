"""Alerts on the app's PostgreSQL (CloudNativePG): does the database answer, does it keep its replicas, and
can it be restored (WAL archiving, the age of the newest base backup, the recovery window).

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
    BACKUP_RETENTION_CHECK_SECONDS,
    CNPG_CLUSTER_METRIC_LABEL,
    CNPG_POSTGRES_UP,
    CNPG_PRIMARY,
    DATABASE_JOB,
    DATABASE_ROLE,
    database_cluster_name,
    database_selector,
)
from components.rules.model import Alert, AppScope, duration_ms, format_ms
from components.settings import cron

DATABASE_DOWN = "DatabaseDown"
DATABASE_DEGRADED = "DatabaseDegraded"
WAL_ARCHIVING_FAILING = "DatabaseWALArchivingFailing"
BACKUP_TOO_OLD = "DatabaseBackupTooOld"
RECOVERY_WINDOW_OUT_OF_RETENTION = "DatabaseRecoveryWindowOutOfRetention"
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


# --- backups and WAL archiving (Barman Cloud plugin) ----------------------------------------------------
# The series these alerts read, as the instance pods export them on their `metrics` port:
# - CloudNativePG's default monitoring query `pg_stat_archiver` (installed by the cloudnative-pg chart,
#   values.yaml `monitoringQueriesConfigMap`; operator config/manager/default-monitoring.yaml), named
#   cnpg_<query>_<column>. It runs on the primary only (its predicate_query). Times are epochs, -1 when
#   PostgreSQL has none.
ARCHIVER_FAILED = "cnpg_pg_stat_archiver_failed_count"
ARCHIVER_LAST_FAILED = "cnpg_pg_stat_archiver_last_failed_time"
ARCHIVER_LAST_ARCHIVED = "cnpg_pg_stat_archiver_last_archived_time"
# - CNPG_POSTGRES_UP (contract): present whenever an instance's exporter answers.
# - the Barman Cloud plugin through the same exporter (plugin-barman-cloud internal/cnpgi/instance/
#   metrics.go, docs observability.md; they replace the deprecated cnpg_collector_* backup gauges, which
#   stay 0 with the plugin). Unix times read from the ObjectStore status, the same on every instance;
#   0 while the object store lists no backup in the cluster's folder.
LAST_BACKUP = "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp"
FIRST_RECOVERABILITY_POINT = "barman_cloud_cloudnative_pg_io_first_recoverability_point"

# PostgreSQL retries a failed segment three times, then every minute (pgarch.c); a failure that lasts
# through five minutes of retries is not a blip. CloudNativePG's sample rule compares the same two
# times (docs/src/samples/monitoring/prometheusrule.yaml, LastFailedArchiveTime).
WAL_ARCHIVING_FOR = "5m"
WAL_FAILURE_WINDOW = "10m"
# Issue 18: the newest base backup may be at most 1.5 schedule intervals old (one missed run plus the
# time a run takes). The same slack bounds how far the recovery window may overshoot retention.
BACKUP_AGE_FACTOR = 1.5
# A new cluster's first (immediate) base backup, or a large one after a restore, may take this long.
BACKUP_ALERT_FOR = "1h"
SECONDS_PER_DAY = 86_400
# Barman's recovery window units (RECOVERY WINDOW OF n DAYS|WEEKS|MONTHS); a month counts as 31 days,
# the longest, so a 31-day month never looks like retention overshot.
RETENTION_UNIT_SECONDS = {"d": SECONDS_PER_DAY, "w": 7 * SECONDS_PER_DAY, "m": 31 * SECONDS_PER_DAY}
# How far back the "recovery window shrank" check compares the first recoverability point.
SHRINK_LOOKBACK = "1d"
BY_CLUSTER = "namespace, job"  # the instances of one cluster report the same plugin values


def retention_seconds(retention: str) -> int:
    return int(retention[:-1]) * RETENTION_UNIT_SECONDS[retention[-1]]


def backup_age_limit_seconds(schedule: str) -> int:
    return round(BACKUP_AGE_FACTOR * cron.longest_gap_seconds(schedule))


def wal_archiving_failing(app: AppScope) -> Alert:
    """Fires while PostgreSQL's archiver keeps failing: every retry since the last success failed."""
    sel = database_selector(app.app, app.namespace)
    return Alert(
        name=WAL_ARCHIVING_FAILING,
        labels=_labels(app),  # routing and inhibition labels, as DatabaseDown's
        expr=(
            f"({ARCHIVER_LAST_FAILED}{{{sel}}} > {ARCHIVER_LAST_ARCHIVED}{{{sel}}})\n"
            f"and increase({ARCHIVER_FAILED}{{{sel}}}[{WAL_FAILURE_WINDOW}]) > 0"
        ),
        for_=WAL_ARCHIVING_FOR,
        severity="critical",
        summary="PostgreSQL cannot archive WAL to the object store",
        description=(
            "The primary {{ $labels.pod }} in {{ $labels.namespace }} has failed to archive WAL for "
            f"{WAL_ARCHIVING_FOR}, retrying: point-in-time recovery stops at the last archived segment, and "
            "unarchived WAL piles up in pg_wal until the volume is full."
        ),
    )


def backup_too_old(app: AppScope, schedule: str) -> Alert:
    """Fires when the newest base backup is older than 1.5 schedule intervals, or none is known while
    the database is scraped (no backup yet, or the plugin reports nothing)."""
    sel = database_selector(app.app, app.namespace)
    limit = backup_age_limit_seconds(schedule)
    newest = f"max by ({BY_CLUSTER}) ({LAST_BACKUP}{{{sel}}} > 0)"
    return Alert(
        name=BACKUP_TOO_OLD,
        labels=_labels(app),  # routing and inhibition labels, as DatabaseDown's
        expr=f"time() - {newest} > {limit}\nor\n(max by ({BY_CLUSTER}) ({CNPG_POSTGRES_UP}{{{sel}}}) unless {newest})",
        for_=BACKUP_ALERT_FOR,
        severity="warning",
        summary="The database's newest base backup is too old, or there is none",
        description=(
            f"No base backup of {database_cluster_name(app.app)} in {{{{ $labels.namespace }}}} completed in the "
            f"last {format_ms(limit * 1000)} (1.5 times the longest gap of the schedule {schedule!r}): a restore "
            "replays more WAL than planned, and with WAL archiving failing too, nothing recent can be restored."
        ),
    )


def recovery_window_out_of_retention(app: AppScope, retention: str, schedule: str) -> Alert:
    """Fires when the first recoverability point leaves the band retention keeps it in: older (retention
    is not enforced) or suddenly much newer (backups inside the window disappeared)."""
    sel = database_selector(app.app, app.namespace)
    keep = retention_seconds(retention)
    slack = backup_age_limit_seconds(schedule) + BACKUP_RETENTION_CHECK_SECONDS
    first = f"max by ({BY_CLUSTER}) ({FIRST_RECOVERABILITY_POINT}{{{sel}}} > 0)"
    earlier = f"max by ({BY_CLUSTER}) ({FIRST_RECOVERABILITY_POINT}{{{sel}}} offset {SHRINK_LOOKBACK} > 0)"
    lookback = duration_ms(SHRINK_LOOKBACK) // 1000
    return Alert(
        name=RECOVERY_WINDOW_OUT_OF_RETENTION,
        labels=_labels(app),  # routing and inhibition labels, as DatabaseDown's
        expr=(
            f"time() - {first} > {keep + slack}\n"
            f"or\n({first} - {earlier} > {lookback + slack} and time() - {first} < {keep})"
        ),
        for_=BACKUP_ALERT_FOR,
        severity="warning",
        summary="The database's first point of recoverability drifted out of the retention window",
        description=(
            f"The earliest point {database_cluster_name(app.app)} in {{{{ $labels.namespace }}}} can be restored "
            f"to is no longer about {retention} ago (retention policy): older means old backups are not deleted "
            "(storage grows, data is kept longer than promised); a sudden jump forward means backups inside the "
            "window are gone."
        ),
    )
