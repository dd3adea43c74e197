"""Pure builders of one app's observability objects: its PrometheusRule and its dashboard ConfigMaps.

The rules and dashboards themselves come from the rules layer (components/rules/mixin.py).
"""

from __future__ import annotations

import json
from typing import Any

from components.contract import DASHBOARD_LABEL, PROMETHEUS_SELECTOR_LABELS
from components.objects.meta import standard_labels
from components.rules import mixin
from components.settings import AppSpec

PROMETHEUS_RULE_API = "monitoring.coreos.com/v1"


def build_prometheus_rule(spec: AppSpec) -> dict[str, Any]:
    # kube-prometheus-stack's Prometheus selects rules labelled with its release name unless
    # ruleSelectorNilUsesHelmValues=false; we set that flag AND carry the label, so the rules are
    # picked up either way (and by a Prometheus installed by someone else with chart defaults).
    labels = {**standard_labels(spec, spec.name, "alerting", spec.app.version), **PROMETHEUS_SELECTOR_LABELS}
    return {
        "apiVersion": PROMETHEUS_RULE_API,
        "kind": "PrometheusRule",
        "metadata": {"name": f"{spec.name}-alerts", "namespace": spec.namespace, "labels": labels},
        "spec": {"groups": mixin.rule_groups(spec)},
    }


def build_dashboard_config_maps(spec: AppSpec) -> dict[str, dict[str, Any]]:
    """Dashboard name -> ConfigMap in the monitoring namespace, labelled for the Grafana sidecar."""
    labels = {**standard_labels(spec, spec.name, "dashboard", spec.app.version), **DASHBOARD_LABEL}
    result = {}
    for filename, model in mixin.app_dashboards(spec).items():
        name = filename.removesuffix(".json")
        result[name] = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": f"dashboard-{name}", "namespace": spec.monitoring.namespace, "labels": labels},
            "data": {filename: json.dumps(model, indent=2, sort_keys=True)},
        }
    return result
