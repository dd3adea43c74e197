"""Metric, label, selector and rule names shared by alerts, dashboards and tests: written once, here.

Which series belong to the app (the scrape job convention)
-----------------------------------------------------------
The Prometheus Operator sets a ServiceMonitor target's ``job`` label to the Service name, unless the
ServiceMonitor names a Service label in ``spec.jobLabel``; then ``job`` is that label's value.
In a rolling stack the app's Service is named ``settings.app.name``; in blue-green the per-color and
active/preview Services have other names, so the app's ServiceMonitor is expected to set
``jobLabel: app.kubernetes.io/name`` (whose value is ``settings.app.name`` on every Service of the
app, by the label contract in ``components/labels.py``). Either way:

    job="<settings.app.name>", namespace="<settings.app_namespace>"

selects every scrape target of the app, whatever the color, and nothing else (no ``job=~"web.*"``
regex that would also catch ``web-db``). components/networking.py's ServiceMonitor does set
``jobLabel: app.kubernetes.io/name``. The track shows up as the ``greenlight_dev_color`` label
(ServiceMonitor ``podTargetLabels: [greenlight.dev/color]``, sanitized by Prometheus).
The database is scraped with ``job="database"`` (components/database.py), which the checklist's
``DatabaseDown`` rule names verbatim.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from components.settings import Settings

# --- metrics of the reference service (DESIGN.md "Contracts"; app/greenlight_app/metrics.py) ---
HTTP_REQUESTS = "http_requests_total"
HTTP_DURATION = "http_request_duration_seconds"
HTTP_DURATION_BUCKET = f"{HTTP_DURATION}_bucket"
SERVER_ERROR_STATUS = "5.."  # regex over the `status` label: every 5xx counts against the SLO
# Kubernetes probes are counted too (app/README.md), and a draining pod answers /ready with 503 on
# purpose: user-facing ratios and latencies leave the probe routes out.
PROBE_ROUTES = "/health|/ready"

# --- labels ---
# The ServiceMonitor copies the pod label greenlight.dev/color (podTargetLabels, components/networking.py);
# Prometheus sanitizes the name to greenlight_dev_color.
COLOR = "greenlight_dev_color"
SEVERITY = "severity"
SEVERITIES = ("critical", "warning", "info")
# Alerts are grouped and inhibited by these; every app alert keeps them (kube-prometheus practice).
APP_GROUPING = ("namespace", "job")

# --- jobs ---
DATABASE_JOB = "database"  # CloudNativePG metrics (components/database.py)

# --- recording rules (Prometheus naming: level:metric:operations) ---
ERROR_RATIO_RECORD = "namespace_job:http_request_errors:ratio_rate{window}"
# Windows the SRE-workbook burn-rate pairs need (slo.py); 5m also drives HighErrorRate.
ERROR_RATIO_WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")

# --- PrometheusRule selection ---
# kube-prometheus-stack's Prometheus selects rules labelled with its release name unless
# ruleSelectorNilUsesHelmValues=false; we set that flag AND carry the label, so the rules are
# picked up either way (and by a Prometheus installed by someone else with chart defaults).
RULE_SELECTOR_LABELS = {"release": "kube-prometheus-stack"}

# --- Grafana ---
DASHBOARD_LABEL = {"grafana_dashboard": "1"}  # the sidecar's default label
PROMETHEUS_DATASOURCE_UID = "prometheus"
ALERTMANAGER_DATASOURCE_UID = "alertmanager"
LOKI_DATASOURCE_UID = "loki"


def error_ratio_record(window: str) -> str:
    return ERROR_RATIO_RECORD.format(window=window)


def app_selector(app: str, namespace: str) -> str:
    """PromQL label matchers for every scrape target of the app (see the module docstring)."""
    return f'job="{app}", namespace="{namespace}"'


def traffic_selector(app: str, namespace: str) -> str:
    """The app's request series without the probe routes (error ratios, latency, request rates)."""
    return f'{app_selector(app, namespace)}, route!~"{PROBE_ROUTES}"'


def runbook_url(settings: Settings, alert_name: str) -> str:
    return f"{settings.alerting.runbook_base_url}/{alert_name}.md"
