"""The database dashboard: the app's CloudNativePG cluster as its own exporter reports it.

Every name below is one CloudNativePG's instance exporter (port 9187, scraped by the app's PodMonitor
as job="database") really exports:
- built-in collector (docs/src/monitoring.md, "Predefined set of metrics"): cnpg_collector_up,
  cnpg_collector_pg_wal_archive_status{value="ready"|"done"}, cnpg_collector_last_available_backup_timestamp,
  cnpg_collector_first_recoverability_point, cnpg_collector_last_failed_backup_timestamp (the last three
  deprecated since 1.26 but still set for in-tree Barman backups);
- the default queries (config/manager/default-monitoring.yaml; metric = cnpg_<query>_<column>):
  cnpg_backends_total{datname,usename,application_name,state}, cnpg_pg_settings_setting{name},
  cnpg_pg_replication_lag, cnpg_pg_replication_streaming_replicas,
  cnpg_pg_stat_archiver_archived_count, cnpg_pg_stat_archiver_failed_count,
  cnpg_pg_stat_archiver_seconds_since_last_archival;
- the Barman Cloud plugin, once backups move to it (plugin-barman-cloud docs, "Observability"):
  barman_cloud_cloudnative_pg_io_last_available_backup_timestamp, ..._first_recoverability_point,
  ..._last_failed_backup_timestamp. The backup panels read the plugin's series first, the in-tree ones
  otherwise, so they keep working across that move.
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from components.contract import CNPG_POSTGRES_UP, DATABASE_JOB, DATABASE_ROLE, database_cluster_name
from components.rules import dashboards_kit as kit
from components.settings import AppSpec

KIND = "database"
PLUGIN_PREFIX = "barman_cloud_cloudnative_pg_io"
SECONDS_TO_MS = 1000  # Grafana's dateTime units take milliseconds
NEVER = {"0": ("never", kit.OK)}
# Pod and role (primary or replica: the PodMonitor copies the pod label cnpg.io/instanceRole).
BY_INSTANCE = f"pod, {DATABASE_ROLE}"
INSTANCE = f"{{{{pod}}}} ({{{{{DATABASE_ROLE}}}}})"


class DatabasePanel(IntEnum):
    HEALTH_ROW = 1
    POSTGRES_UP = 2
    STREAMING_REPLICAS = 3
    CONNECTIONS = 4
    CONNECTION_STATES = 5
    REPLICATION_LAG = 6
    WAL_ROW = 7
    ARCHIVED = 8
    ARCHIVE_AGE = 9
    WAL_READY = 10
    BACKUP_ROW = 11
    LAST_BACKUP = 12
    RECOVERY_WINDOW = 13
    LAST_FAILED_BACKUP = 14


def instance_selector(spec: AppSpec) -> str:
    """The cluster's instance pods (`<cluster>-<n>`, CloudNativePG's naming) as the PodMonitor labels them."""
    cluster = database_cluster_name(spec.name)
    return f'job="{DATABASE_JOB}", namespace="{spec.namespace}", pod=~"{cluster}-[0-9]+"'


def backup_timestamp(selector: str, plugin_metric: str, in_tree_metric: str) -> str:
    """The plugin's timestamp where it exists, else the in-tree one (0 until a first backup: left out)."""
    plugin = f"max({PLUGIN_PREFIX}_{plugin_metric}{{{selector}}})"
    return f"(\n  {plugin}\n  or\n  max({in_tree_metric}{{{selector}}} > 0)\n)"


def _health_panels(spec: AppSpec, db: str) -> list[Any]:
    replicas = spec.database.instances - 1
    return [
        kit.timeseries(
            DatabasePanel.POSTGRES_UP,
            "PostgreSQL up per instance",
            "cnpg_collector_up: 1 while PostgreSQL answers the instance manager; `up`: whether Prometheus "
            "reaches the exporter at all. DatabaseDown pages when the primary's is not 1; DatabaseDegraded "
            "warns when fewer instances than configured answer.",
            "short",
            kit.refs(
                kit.prom(f"min by ({BY_INSTANCE}) ({CNPG_POSTGRES_UP}{{{db}}})", f"PostgreSQL {INSTANCE}"),
                kit.prom(f"min by ({BY_INSTANCE}) (up{{{db}}})", f"exporter {INSTANCE}"),
            ),
            width=kit.HALF + kit.QUARTER,
        ),
        kit.stat(
            DatabasePanel.STREAMING_REPLICAS,
            "Replicas streaming from the primary",
            f"{spec.database.instances} instances: {replicas} replicas should stream; fewer means a replica "
            "is down or rebuilding.",
            "short",
            kit.prom(f"max(cnpg_pg_replication_streaming_replicas{{{db}}})", "streaming"),
            kit.thresholds((None, kit.BAD), (replicas, kit.OK)),
        ),
        kit.timeseries(
            DatabasePanel.CONNECTIONS,
            "Connections per instance vs max_connections",
            "Backends per instance; at max_connections new connections are refused.",
            "short",
            kit.refs(
                kit.prom(f"sum by (pod) (cnpg_backends_total{{{db}}})", "{{pod}}"),
                kit.prom(f'max(cnpg_pg_settings_setting{{{db}, name="max_connections"}})', "max_connections"),
            ),
            width=kit.THIRD,
        ),
        kit.timeseries(
            DatabasePanel.CONNECTION_STATES,
            "Connections by state",
            "Many `idle in transaction` backends hold locks and connections: look for a stuck client.",
            "short",
            [kit.prom(f"sum by (state) (cnpg_backends_total{{{db}}})", "{{state}}")],
            width=kit.THIRD,
        ),
        kit.timeseries(
            DatabasePanel.REPLICATION_LAG,
            "Replication lag per instance",
            "Seconds a replica's replay is behind the primary (0 on the primary). A failover to a lagging "
            "replica loses or waits for those seconds.",
            "s",
            [kit.prom(f"max by (pod) (cnpg_pg_replication_lag{{{db}}})", "{{pod}}")],
            width=kit.THIRD,
        ),
    ]


def _wal_panels(db: str) -> list[Any]:
    archiver = "cnpg_pg_stat_archiver"
    return [
        kit.timeseries(
            DatabasePanel.ARCHIVED,
            "WAL segments archived and failed",
            "Continuous archiving to object storage: failures mean point-in-time recovery is falling behind "
            "(expired credentials, a full or unreachable bucket).",
            "short",
            kit.refs(
                kit.prom(f"sum by (pod) (increase({archiver}_archived_count{{{db}}}[{kit.RATE}]))", "archived {{pod}}"),
                kit.prom(f"sum by (pod) (increase({archiver}_failed_count{{{db}}}[{kit.RATE}]))", "failed {{pod}}"),
            ),
            width=kit.THIRD,
        ),
        kit.timeseries(
            DatabasePanel.ARCHIVE_AGE,
            "Seconds since the last WAL archival",
            "On the primary: how much committed data exists only on its disk.",
            "s",
            [kit.prom(f"max by (pod) ({archiver}_seconds_since_last_archival{{{db}}})", "{{pod}}")],
            width=kit.THIRD,
        ),
        kit.timeseries(
            DatabasePanel.WAL_READY,
            "WAL segments waiting to be archived",
            "Files in pg_wal/archive_status marked .ready: a growing backlog fills the volume.",
            "short",
            [kit.prom(f'max by (pod) (cnpg_collector_pg_wal_archive_status{{{db}, value="ready"}})', "{{pod}}")],
            width=kit.THIRD,
        ),
    ]


def _backup_panels(spec: AppSpec, db: str) -> list[Any]:
    backup = spec.database.backup
    last = backup_timestamp(db, "last_available_backup_timestamp", "cnpg_collector_last_available_backup_timestamp")
    first = backup_timestamp(db, "first_recoverability_point", "cnpg_collector_first_recoverability_point")
    plugin_failed = f"max({PLUGIN_PREFIX}_last_failed_backup_timestamp{{{db}}})"
    failed = f"{SECONDS_TO_MS} * ({plugin_failed} or max(cnpg_collector_last_failed_backup_timestamp{{{db}}}))"
    return [
        kit.stat(
            DatabasePanel.LAST_BACKUP,
            "Age of the newest base backup",
            f"Base backups run on `{backup.schedule}` (six fields, seconds first); older than that interval "
            "means a scheduled backup did not complete.",
            "s",
            kit.prom(f"time() - {last}", "age"),
            kit.thresholds((None, kit.OK)),
            width=kit.THIRD,
        ),
        kit.stat(
            DatabasePanel.RECOVERY_WINDOW,
            "Point-in-time recovery reaches back",
            f"Age of the first recoverability point: how far back a restore can go (retention {backup.retention}).",
            "s",
            kit.prom(f"time() - {first}", "window"),
            kit.thresholds((None, kit.OK)),
            width=kit.THIRD,
        ),
        kit.stat(
            DatabasePanel.LAST_FAILED_BACKUP,
            "Last failed backup",
            "When a base backup last failed (never: none since the cluster started).",
            "dateTimeAsIso",
            kit.prom(failed, "failed"),
            kit.thresholds((None, kit.OK)),
            width=kit.THIRD,
        ).mappings([kit.value_map(NEVER)]),
    ]


def database_dashboard(spec: AppSpec) -> dict[str, Any]:
    db = instance_selector(spec)
    board = kit.dashboard(
        kit.dashboard_uid(spec.name, KIND),
        f"{spec.name} database ({spec.namespace})",
        f"The {database_cluster_name(spec.name)} PostgreSQL cluster as CloudNativePG reports it: up, "
        "connections, replication, WAL archiving, backups.",
        spec.name,
        KIND,
    )
    sections = [
        (DatabasePanel.HEALTH_ROW, "Instances, connections, replication", _health_panels(spec, db)),
        (DatabasePanel.WAL_ROW, "WAL archiving", _wal_panels(db)),
    ]
    if spec.database.backup.enabled:
        sections.append((DatabasePanel.BACKUP_ROW, "Backups", _backup_panels(spec, db)))
    for row_id, title, panels in sections:
        board = board.with_row(kit.row(row_id, title))
        for panel in panels:
            board = board.with_panel(panel)
    return kit.render(board)
