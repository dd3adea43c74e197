"""Every metric greenlight's rules and dashboards may name, by who produces it.

A query naming anything else is a typo or a dependency nobody installed; tests fail on it
(tests/components/rules/test_dashboards.py). Recording rules add their own names (``recorded_metrics``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from components.contract import CNPG_POSTGRES_UP, HTTP_DURATION, HTTP_REQUESTS

# The reference service (DESIGN.md contract; app/greenlight_app/metrics.py). A histogram exposes
# _bucket, _sum and _count series.
REFERENCE_SERVICE = frozenset(
    {HTTP_REQUESTS, f"{HTTP_DURATION}_bucket", f"{HTTP_DURATION}_sum", f"{HTTP_DURATION}_count"}
)
# Prometheus itself, for every scrape target.
PROMETHEUS = frozenset({"up", "scrape_duration_seconds", "scrape_samples_scraped"})
# kube-state-metrics (installed by kube-prometheus-stack), docs/metrics/workload/pod-metrics.md and
# job-metrics.md.
KUBE_STATE_METRICS = frozenset(
    {
        "kube_pod_container_status_restarts_total",
        "kube_pod_container_status_waiting_reason",
        "kube_pod_container_resource_requests",
        "kube_pod_container_resource_limits",
        "kube_pod_status_ready",
        "kube_deployment_status_replicas_available",
        "kube_job_status_succeeded",
        "kube_job_status_failed",
        "kube_job_status_start_time",
    }
)
# CloudNativePG's instance exporter: its built-in collector (docs/src/monitoring.md) and the default
# queries (config/manager/default-monitoring.yaml, named cnpg_<query>_<column>).
CLOUDNATIVE_PG = frozenset(
    {
        CNPG_POSTGRES_UP,  # cnpg_collector_up
        "cnpg_collector_pg_wal_archive_status",
        "cnpg_collector_last_available_backup_timestamp",
        "cnpg_collector_first_recoverability_point",
        "cnpg_collector_last_failed_backup_timestamp",
        "cnpg_backends_total",
        "cnpg_pg_settings_setting",
        "cnpg_pg_replication_lag",
        "cnpg_pg_replication_streaming_replicas",
        "cnpg_pg_stat_archiver_archived_count",
        "cnpg_pg_stat_archiver_failed_count",
        "cnpg_pg_stat_archiver_seconds_since_last_archival",
    }
)
# The Barman Cloud plugin, exported through the same instance exporter (plugin docs, "Observability").
BARMAN_CLOUD_PLUGIN = frozenset(
    {
        "barman_cloud_cloudnative_pg_io_last_available_backup_timestamp",
        "barman_cloud_cloudnative_pg_io_first_recoverability_point",
        "barman_cloud_cloudnative_pg_io_last_failed_backup_timestamp",
    }
)
# cAdvisor via the kubelet ServiceMonitor of kube-prometheus-stack.
CADVISOR = frozenset({"container_cpu_usage_seconds_total", "container_memory_working_set_bytes"})
# node-exporter (installed by kube-prometheus-stack).
NODE_EXPORTER = frozenset({"node_cpu_seconds_total", "node_memory_MemAvailable_bytes", "node_memory_MemTotal_bytes"})

KNOWN_SOURCES: Mapping[str, frozenset[str]] = {
    "reference service": REFERENCE_SERVICE,
    "prometheus": PROMETHEUS,
    "kube-state-metrics": KUBE_STATE_METRICS,
    "cadvisor": CADVISOR,
    "node-exporter": NODE_EXPORTER,
    "cloudnative-pg": CLOUDNATIVE_PG,
    "barman-cloud plugin": BARMAN_CLOUD_PLUGIN,
}


def recorded_metrics(groups: Iterable[Mapping[str, Any]]) -> frozenset[str]:
    """Names the recording rules of rendered rule groups produce."""
    return frozenset(r["record"] for g in groups for r in g["rules"] if "record" in r)


def known_metrics(groups: Iterable[Mapping[str, Any]] = ()) -> frozenset[str]:
    return frozenset().union(*KNOWN_SOURCES.values()) | recorded_metrics(groups)
