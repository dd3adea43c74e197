"""What greenlight tells each chart through its values: restricted, limited, labelled, replicated in prod.

These are the values the offline preview hands to helm; with the real charts expanded (README, "Chart
objects are judged too") the policy pack and checkov judge the objects they produce.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from components.contract import ALERTMANAGER_DATASOURCE_UID, LOKI_DATASOURCE_UID, PROMETHEUS_DATASOURCE_UID
from components.objects import chart_hardening as hardening
from components.objects import database, monitoring
from tests.support.stacks import stack_settings

# Prometheus and Alertmanager run in pods the Prometheus Operator creates from these specs (not chart
# objects); their CPU is left unlimited on purpose (components/objects/monitoring.py SIZING).
OPERATOR_MANAGED = ("prometheus.prometheusSpec.resources", "alertmanager.alertmanagerSpec.resources")
STACKS = ("dev", "staging", "prod")
MIN_UID = 10000  # the pack's run-as-high-uid default


def all_values(stack: str) -> dict[str, dict[str, Any]]:
    settings = stack_settings(stack)
    return {
        "kube-prometheus-stack": monitoring.kube_prometheus_stack_values(settings),
        "loki": monitoring.loki_values(settings),
        "alloy": monitoring.alloy_values(settings),
        "cloudnative-pg": database.operator_chart_values(settings),
    }


def walk(values: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(values, dict):
        for key, value in values.items():
            here = f"{path}.{key}" if path else key
            yield here, value
            yield from walk(value, here)


@pytest.mark.parametrize("stack", STACKS)
def test_every_container_the_charts_run_has_cpu_and_memory_requests_and_limits(stack: str) -> None:
    for chart, values in all_values(stack).items():
        for path, value in walk(values):
            if path.endswith(".resources") or path == "resources":
                if path in OPERATOR_MANAGED or "volumeClaimTemplate" in path:  # storage, not a container
                    continue
                assert set(value["requests"]) == {"cpu", "memory"}, f"{chart} {path}"
                assert set(value["limits"]) == {"cpu", "memory"}, f"{chart} {path}"


@pytest.mark.parametrize("stack", STACKS)
def test_security_contexts_are_restricted_and_images_pulled_always(stack: str) -> None:
    for chart, values in all_values(stack).items():
        for path, value in walk(values):
            key = path.rsplit(".", 1)[-1]
            if key in ("containerSecurityContext", "securityContext") and "runAsUser" not in value:
                assert value == hardening.RESTRICTED_CONTAINER, f"{chart} {path}"
            if key in ("securityContext", "podSecurityContext") and "runAsUser" in value:
                assert value["runAsNonRoot"] and value["runAsUser"] >= MIN_UID, f"{chart} {path}"
            if key in ("pullPolicy", "imagePullPolicy"):
                assert value == "Always", f"{chart} {path}"


def test_grafana_reads_dashboards_from_configmaps_only_and_provisions_its_data_sources() -> None:
    grafana = all_values("prod")["kube-prometheus-stack"]["grafana"]
    assert grafana["sidecar"]["datasources"] == {"enabled": False}  # one sidecar fewer, and its Secret access
    assert grafana["sidecar"]["dashboards"]["resource"] == "configmap"
    reader = hardening.build_grafana_dashboard_reader({})
    assert grafana["rbac"]["useExistingClusterRole"] == reader["metadata"]["name"]
    assert reader["rules"] == [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "watch", "list"]}]
    sources = {s["uid"]: s for s in grafana["datasources"]["datasources.yaml"]["datasources"]}
    assert set(sources) == {PROMETHEUS_DATASOURCE_UID, ALERTMANAGER_DATASOURCE_UID, LOKI_DATASOURCE_UID}
    assert sources[PROMETHEUS_DATASOURCE_UID]["url"].startswith("http://kube-prometheus-stack-prometheus.monitoring.")
    assert sources[ALERTMANAGER_DATASOURCE_UID]["url"].endswith(":9093")


def test_prod_replicates_what_can_be_replicated_and_budgets_its_disruptions() -> None:
    prod, dev = all_values("prod"), all_values("dev")
    kps = prod["kube-prometheus-stack"]
    for part in ("prometheus", "alertmanager", "prometheusOperator"):
        assert kps[part]["podDisruptionBudget"] == {"enabled": True, "minAvailable": None, "maxUnavailable": 1}
    assert "podDisruptionBudget" not in dev["kube-prometheus-stack"]["alertmanager"]
    assert prod["cloudnative-pg"]["replicaCount"] == 2 and dev["cloudnative-pg"]["replicaCount"] == 1
    assert prod["cloudnative-pg"]["updateStrategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_loki_is_a_ring_of_three_in_prod_on_its_bucket_and_alone_elsewhere() -> None:
    prod, dev = all_values("prod")["loki"], all_values("dev")["loki"]
    assert prod["singleBinary"]["replicas"] == prod["loki"]["commonConfig"]["replication_factor"] == 3
    assert prod["singleBinary"]["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert prod["singleBinary"]["annotations"]["greenlight.dev/backup"].startswith("s3://")
    assert dev["singleBinary"]["replicas"] == dev["loki"]["commonConfig"]["replication_factor"] == 1
    assert prod["sidecar"]["rules"]["enabled"] is False  # unused: alert rules are PrometheusRules
    assert prod["singleBinary"]["automountServiceAccountToken"] is False


def test_keys_loki_ignores_are_gone() -> None:
    loki = all_values("prod")["loki"]
    assert set(loki["loki"]["storage"]["bucketNames"]) == {"chunks", "ruler"}  # Loki 18.x reads no `admin`
    assert "extraArgs" not in loki["singleBinary"]  # the chart already passes -config.expand-env=true


def test_the_operators_pod_monitor_follows_monitoring() -> None:
    assert database.operator_chart_values(stack_settings("prod"))["monitoring"]["podMonitorEnabled"] is True
    off = stack_settings("dev", "greenlight:monitoring.enabled=false")
    assert database.operator_chart_values(off)["monitoring"]["podMonitorEnabled"] is False


@pytest.mark.parametrize(("request_cpu", "limit"), [("100m", "400m"), ("1", "4000m"), ("250m", "1000m")])
def test_cpu_limits_are_a_fixed_multiple_of_the_request(request_cpu: str, limit: str) -> None:
    given = {"requests": {"cpu": request_cpu, "memory": "1Gi"}, "limits": {"memory": "2Gi"}}
    assert hardening.cpu_limited(given)["limits"] == {"memory": "2Gi", "cpu": limit}
