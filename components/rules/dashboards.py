"""Dashboards as code: the service dashboard (RED by color, saturation, restarts) and a logs view.

Pure functions return Grafana dashboard JSON models (dicts); the app's AppObservability ships each in a
ConfigMap labelled for the Grafana sidecar (contract.DASHBOARD_LABEL).
"""

from __future__ import annotations

from typing import Any

from components.contract import (
    COLOR,
    HTTP_DURATION_BUCKET,
    HTTP_REQUESTS,
    LOKI_DATASOURCE_UID,
    PROMETHEUS_DATASOURCE_UID,
    SERVER_ERROR_STATUS,
    error_ratio_record,
    traffic_selector,
)

SCHEMA_VERSION = 39  # Grafana 11 dashboard JSON schema
PANEL_WIDTH = 12  # half of Grafana's 24-column grid
PANEL_HEIGHT = 8
LATENCY_QUANTILES = (0.5, 0.95, 0.99)
RESTARTS_WINDOW = "1h"
SLO_WINDOW = "1h"
RATE = "$__rate_interval"  # Grafana picks a window >= 4 scrape intervals

PROMETHEUS = {"type": "prometheus", "uid": PROMETHEUS_DATASOURCE_UID}
LOKI = {"type": "loki", "uid": LOKI_DATASOURCE_UID}


def _panel(
    panel_id: int, title: str, targets: list[dict[str, Any]], unit: str, kind: str = "timeseries"
) -> dict[str, Any]:
    index = panel_id - 1
    return {
        "id": panel_id,
        "type": kind,
        "title": title,
        "datasource": targets[0]["datasource"],
        "gridPos": {
            "x": (index % 2) * PANEL_WIDTH,
            "y": (index // 2) * PANEL_HEIGHT,
            "w": PANEL_WIDTH,
            "h": PANEL_HEIGHT,
        },
        "fieldConfig": {"defaults": {"unit": unit}, "overrides": []},
        "targets": [{**t, "refId": chr(ord("A") + i)} for i, t in enumerate(targets)],
    }


def _prom(expr: str, legend: str) -> dict[str, Any]:
    return {"datasource": PROMETHEUS, "expr": expr, "legendFormat": legend}


def _dashboard(uid: str, title: str, panels: list[dict[str, Any]], tags: list[str]) -> dict[str, Any]:
    return {
        "uid": uid,
        "title": title,
        "tags": tags,
        "timezone": "utc",
        "schemaVersion": SCHEMA_VERSION,
        "refresh": "30s",
        "time": {"from": "now-6h", "to": "now"},
        "editable": False,  # changes go through code review, not the UI
        "panels": panels,
    }


def _red_panels(sel: str) -> list[dict[str, Any]]:
    """Requests, errors and duration by color, and the SLO's error ratio (panels 1-4)."""
    requests = f"rate({HTTP_REQUESTS}{{{sel}}}[{RATE}])"
    errors = f'rate({HTTP_REQUESTS}{{{sel}, status=~"{SERVER_ERROR_STATUS}"}}[{RATE}])'
    latency = [
        _prom(
            f"histogram_quantile({q}, sum by ({COLOR}, le) (rate({HTTP_DURATION_BUCKET}{{{sel}}}[{RATE}])))",
            f"p{round(q * 100)} {{{{{COLOR}}}}}",
        )
        for q in LATENCY_QUANTILES
    ]
    return [
        _panel(1, "Request rate by color", [_prom(f"sum by ({COLOR}) ({requests})", f"{{{{{COLOR}}}}}")], "reqps"),
        _panel(
            2,
            "5xx error ratio by color",
            [_prom(f"sum by ({COLOR}) ({errors})\n/\nsum by ({COLOR}) ({requests})", f"{{{{{COLOR}}}}}")],
            "percentunit",
        ),
        _panel(3, "Latency p50 / p95 / p99 by color", latency, "s"),
        _panel(
            4,
            f"SLO error ratio ({SLO_WINDOW})",
            [_prom(f"{error_ratio_record(SLO_WINDOW)}{{{sel}}}", "error ratio")],
            "percentunit",
        ),
    ]


def _saturation_panels(sel: str, namespace: str) -> list[dict[str, Any]]:
    """CPU and memory against limits, restarts, scrape targets (panels 5-8)."""
    pods = f'namespace="{namespace}", container!=""'
    limits = "kube_pod_container_resource_limits"
    restarts = f'increase(kube_pod_container_status_restarts_total{{namespace="{namespace}"}}[{RESTARTS_WINDOW}])'
    return [
        _panel(
            5,
            "CPU usage vs limit (saturation)",
            [
                _prom(f"sum by (pod) (rate(container_cpu_usage_seconds_total{{{pods}}}[{RATE}]))", "{{pod}}"),
                _prom(f'sum by (pod) ({limits}{{{pods}, resource="cpu"}})', "limit {{pod}}"),
            ],
            "cores",
        ),
        _panel(
            6,
            "Memory working set vs limit (saturation)",
            [
                _prom(f"sum by (pod) (container_memory_working_set_bytes{{{pods}}})", "{{pod}}"),
                _prom(f'sum by (pod) ({limits}{{{pods}, resource="memory"}})', "limit {{pod}}"),
            ],
            "bytes",
        ),
        _panel(7, f"Pod restarts ({RESTARTS_WINDOW})", [_prom(f"sum by (pod) ({restarts})", "{{pod}}")], "short"),
        _panel(
            8, "Scrape targets up by color", [_prom(f"sum by ({COLOR}) (up{{{sel}}})", f"{{{{{COLOR}}}}}")], "short"
        ),
    ]


def service_dashboard(app: str, namespace: str) -> dict[str, Any]:
    sel = traffic_selector(app, namespace)
    panels = [*_red_panels(sel), *_saturation_panels(sel, namespace)]
    return _dashboard(f"{app}-service", f"{app} service ({namespace})", panels, ["greenlight", app])


def logs_dashboard(app: str, namespace: str) -> dict[str, Any]:
    """Log volume by level and the log lines (labels set by Alloy: namespace, app, level)."""
    stream = f'{{namespace="{namespace}", app="{app}"}}'
    panels = [
        _panel(
            1,
            "Log lines by level",
            [
                {
                    "datasource": LOKI,
                    "expr": f"sum by (level) (count_over_time({stream}[$__auto]))",
                    "legendFormat": "{{level}}",
                }
            ],
            "short",
        ),
        _panel(
            2,
            "Errors",
            [{"datasource": LOKI, "expr": f'{{namespace="{namespace}", app="{app}", level="error"}}'}],
            "short",
            kind="logs",
        ),
        _panel(3, "All lines (JSON parsed)", [{"datasource": LOKI, "expr": f"{stream} | json"}], "short", kind="logs"),
    ]
    return _dashboard(f"{app}-logs", f"{app} logs ({namespace})", panels, ["greenlight", app, "logs"])


def dashboards(app: str, namespace: str) -> dict[str, dict[str, Any]]:
    """File name -> dashboard model, as the sidecar will load them."""
    return {
        f"{app}-service.json": service_dashboard(app, namespace),
        f"{app}-logs.json": logs_dashboard(app, namespace),
    }
