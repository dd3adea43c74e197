"""Every name other parts of greenlight rely on, written once: labels, object names, ports, metrics,
selectors, severities, colors, Helm release names.

Layer 2 of components/ (docs/architecture.md): imports only the settings layer. The policy pack keeps
its own copies (it imports nothing from components/); tests/policies/test_contract.py checks they agree.

Which series belong to an app (the scrape job convention)
---------------------------------------------------------
The Prometheus Operator sets a ServiceMonitor target's ``job`` label to the Service name unless the
ServiceMonitor names a Service label in ``spec.jobLabel``; the app's ServiceMonitor sets
``jobLabel: app.kubernetes.io/name``, whose value is the app name on every Service of the app (rolling,
per-color, active and preview alike). So ``job="<app>", namespace="<namespace>"`` selects every scrape
target of the app, whatever the color, and nothing else (no ``job=~"web.*"`` that would catch ``web-db``).
The color shows up as ``greenlight_dev_color`` (ServiceMonitor ``podTargetLabels``, sanitized by
Prometheus). The database is scraped as ``job="database"``, which the checklist's DatabaseDown names.
"""

from __future__ import annotations

from components.settings.grammar import COLORS
from components.settings.names import (
    PREVIEW_SUFFIX,
    database_cluster_name,
    database_url_secret_name,
    preview_service_name,
    track_name,
)

# --- labels (DESIGN.md "Contracts": recommended labels + team, cost-center) ---
NAME_LABEL = "app.kubernetes.io/name"
INSTANCE_LABEL = "app.kubernetes.io/instance"
VERSION_LABEL = "app.kubernetes.io/version"
COMPONENT_LABEL = "app.kubernetes.io/component"
PART_OF_LABEL = "app.kubernetes.io/part-of"
MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
TEAM_LABEL = "team"
COST_CENTER_LABEL = "cost-center"
PART_OF = "greenlight"
MANAGED_BY = "pulumi"
COLOR_LABEL = "greenlight.dev/color"
# What Prometheus makes of a pod label copied by podTargetLabels: every invalid character becomes "_".
COLOR = "greenlight_dev_color"
VERSION = "app_kubernetes_io_version"  # likewise from app.kubernetes.io/version
# Set by the API server on every namespace; NetworkPolicies select namespaces by it.
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"

# Re-exported: declared once in the settings layer, which checks them before anything is created.
__all__ = [
    "COLORS",
    "PREVIEW_SUFFIX",
    "database_cluster_name",
    "database_url_secret_name",
    "preview_service_name",
    "track_name",
]


def other(color: str) -> str:
    """The other color of a blue-green pair."""
    return COLORS[1 - COLORS.index(color)]


# --- object names an app's pieces share ---
PORT_NAME = "http"  # Services, probes and the ServiceMonitor refer to the app port by this name


def service_url(service: str, namespace: str, port: int) -> str:
    return f"http://{service}.{namespace}.svc.cluster.local:{port}"


# --- the app's database (CloudNativePG) ---
POSTGRES_PORT = 5432
DATABASE_URL_KEY = "DATABASE_URL"  # the app reads DATABASE_URL (twelve-factor)
CNPG_CLUSTER_LABEL = "cnpg.io/cluster"  # the operator labels every instance pod with its cluster
# CloudNativePG labels each instance pod with its role: primary, replica, or (during a failover or
# switchover, on the old primary) unhealthy (pkg/utils/labels_annotations.go ClusterInstanceRoleLabelName;
# docs/src/labels_annotations.md). The PodMonitor copies it to the target label DATABASE_ROLE.
CNPG_INSTANCE_ROLE_LABEL = "cnpg.io/instanceRole"
CNPG_PRIMARY = "primary"
CNPG_REPLICA = "replica"
DATABASE_JOB = "database"  # the PodMonitor relabels `job` to this
DATABASE_ROLE = "role"  # target label holding the pod's cnpg.io/instanceRole (no CNPG metric has a `role` label)
# The instance manager's exporter (pkg/management/postgres/webserver/metricserver/pg_collector.go): the
# gauge cnpg_collector_up{cluster="<cluster>"} is 1 when PostgreSQL answers a ping and 0 when it does not,
# while the exporter itself keeps answering (so `up` stays 1). Its `cluster` label names the Cluster.
CNPG_POSTGRES_UP = "cnpg_collector_up"
CNPG_CLUSTER_METRIC_LABEL = "cluster"


# --- the monitoring stack (kube-prometheus-stack) ---
# The Helm release name: kube-prometheus-stack names its Services after it and, with chart defaults,
# selects ServiceMonitors, PodMonitors and PrometheusRules carrying `release: <this>`.
KUBE_PROMETHEUS_STACK_RELEASE = "kube-prometheus-stack"
PROMETHEUS_SELECTOR_LABELS = {"release": KUBE_PROMETHEUS_STACK_RELEASE}
PROMETHEUS_SERVICE = f"{KUBE_PROMETHEUS_STACK_RELEASE}-prometheus"
PROMETHEUS_PORT = 9090
# The chart's other Services, chart defaults (kube-prometheus-stack templates; Grafana's own chart: port 80).
ALERTMANAGER_SERVICE = f"{KUBE_PROMETHEUS_STACK_RELEASE}-alertmanager"
ALERTMANAGER_PORT = 9093
GRAFANA_SERVICE = f"{KUBE_PROMETHEUS_STACK_RELEASE}-grafana"
GRAFANA_PORT = 80


def prometheus_url(monitoring_namespace: str) -> str:
    return f"http://{PROMETHEUS_SERVICE}.{monitoring_namespace}.svc:{PROMETHEUS_PORT}"


# --- metrics of the reference service (DESIGN.md "Contracts"; app/greenlight_app/metrics.py) ---
HTTP_REQUESTS = "http_requests_total"
HTTP_DURATION = "http_request_duration_seconds"
HTTP_DURATION_BUCKET = f"{HTTP_DURATION}_bucket"
SERVER_ERROR_STATUS = "5.."  # regex over the `status` label: every 5xx counts against the SLO
# Kubernetes probes are counted too (app/README.md), and a draining pod answers /ready with 503 on
# purpose: user-facing ratios and latencies leave the probe routes out.
PROBE_ROUTES = "/health|/ready"

# --- alerting ---
SEVERITY = "severity"
SEVERITIES = ("critical", "warning", "info")
# Alerts are grouped and inhibited by these; every app alert keeps them (kube-prometheus practice).
APP_GROUPING = ("namespace", "job")
# Recording rules (Prometheus naming: level:metric:operations).
ERROR_RATIO_RECORD = "namespace_job:http_request_errors:ratio_rate{window}"
# Windows the SRE-workbook burn-rate pairs need (rules/slo.py); 5m also drives HighErrorRate.
ERROR_RATIO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")


def error_ratio_record(window: str) -> str:
    return ERROR_RATIO_RECORD.format(window=window)


def runbook_url(base_url: str, alert_name: str) -> str:
    return f"{base_url}/{alert_name}.md"


# --- PromQL selectors ---
def app_selector(app: str, namespace: str) -> str:
    """Label matchers for every scrape target of the app (see the module docstring)."""
    return f'job="{app}", namespace="{namespace}"'


def traffic_selector(app: str, namespace: str) -> str:
    """The app's request series without the probe routes (error ratios, latency, request rates)."""
    return f'{app_selector(app, namespace)}, route!~"{PROBE_ROUTES}"'


def color_traffic_selector(app: str, namespace: str, color: str) -> str:
    """One color's request series, probes left out (the release gate judges these)."""
    return f'{traffic_selector(app, namespace)}, {COLOR}="{color}"'


# --- Grafana ---
DASHBOARD_LABEL = {"grafana_dashboard": "1"}  # the dashboards sidecar's default label
PROMETHEUS_DATASOURCE_UID = "prometheus"
ALERTMANAGER_DATASOURCE_UID = "alertmanager"
LOKI_DATASOURCE_UID = "loki"
