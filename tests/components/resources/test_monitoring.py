"""MonitoringStack as the prod/dev previews show it: pinned charts, selectors, secrets, logs, dashboards."""

from __future__ import annotations

import json
import re

from components.objects.alloy import alloy_config
from components.objects.monitoring import retention_size
from components.rules.model import duration_ms
from components.rules.slo import BURN_RATE_PAIRS
from components.settings.grammar import duration_seconds, memory_bytes
from components.settings.rules import LONGEST_SLO_WINDOW
from tests.support.preview import preview


def _values(stack: str, release: str) -> dict:
    return preview(stack).helm()[release]["values"]


def test_charts_are_pinned_from_their_current_homes() -> None:
    helm = preview("prod").helm()
    expected = {
        "prometheus-operator-crds": ("32.0.0", "https://prometheus-community.github.io/helm-charts"),
        "kube-prometheus-stack": ("91.0.0", "https://prometheus-community.github.io/helm-charts"),
        "loki": ("18.13.1", "https://grafana-community.github.io/helm-charts"),
        "alloy": ("1.10.1", "https://grafana.github.io/helm-charts"),
    }
    for release, (version, repository) in expected.items():
        assert (helm[release]["version"], helm[release]["repository"], helm[release]["namespace"]) == (
            version,
            repository,
            "monitoring",
        )


def test_crds_come_first_and_hooks_are_not_needed() -> None:
    p = preview("prod")
    charts = {r.name: r for r in p.of_type("kubernetes:helm.sh/v4:Chart")}
    stack = charts["monitoring-kube-prometheus-stack"]
    assert charts["monitoring-operator-crds"].urn in stack.dependencies
    assert stack.inputs["skipCrds"] is True
    values = _values("prod", "kube-prometheus-stack")
    assert values["crds"]["enabled"] is False
    assert values["prometheusOperator"]["admissionWebhooks"]["enabled"] is False
    assert values["grafana"]["testFramework"]["enabled"] is False
    assert _values("prod", "loki")["test"]["enabled"] is False


def test_prometheus_selects_greenlights_monitors_and_rules() -> None:
    spec = _values("prod", "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    for key in (
        "serviceMonitorSelectorNilUsesHelmValues",
        "ruleSelectorNilUsesHelmValues",
        "podMonitorSelectorNilUsesHelmValues",
    ):
        assert spec[key] is False, key


def test_retention_storage_and_resources_follow_the_environment() -> None:
    prod = _values("prod", "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    dev = _values("dev", "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
    assert (prod["retention"], dev["retention"]) == ("15d", "3d")
    # 80% of the volume (Prometheus storage docs: at most 80-85%), so a full disk never stops ingestion.
    assert (prod["retentionSize"], dev["retentionSize"]) == ("80GiB", "8GiB")
    claim = prod["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert (claim["resources"]["requests"]["storage"], claim["storageClassName"]) == ("100Gi", "gp3")
    assert "storageClassName" not in dev["storageSpec"]["volumeClaimTemplate"]["spec"]
    assert prod["resources"]["limits"]["memory"] != dev["resources"]["limits"]["memory"]
    assert prod["replicas"] > dev["replicas"]


def test_grafana_admin_password_comes_only_from_a_secret() -> None:
    p = preview("prod")
    grafana = _values("prod", "kube-prometheus-stack")["grafana"]
    assert grafana["admin"]["existingSecret"] == "grafana-admin"
    assert "adminPassword" not in grafana
    secret = p.manifest("Secret", "grafana-admin")
    assert secret["stringData"]["admin-password"] == "[secret]"


def test_grafana_has_prometheus_alertmanager_and_loki_with_a_request_id_link() -> None:
    grafana = _values("prod", "kube-prometheus-stack")["grafana"]
    datasources = grafana["datasources"]["datasources.yaml"]["datasources"]  # provisioned from the chart's ConfigMap
    assert [d["type"] for d in datasources] == ["prometheus", "alertmanager", "loki"]
    assert datasources[0]["isDefault"] is True
    [loki] = [d for d in datasources if d["type"] == "loki"]
    assert loki["type"] == "loki" and loki["url"] == "http://loki.monitoring.svc.cluster.local:3100"
    [derived] = loki["jsonData"]["derivedFields"]
    assert derived["matcherRegex"] == "request_id" and "$${__value.raw}" in derived["url"]
    assert grafana["sidecar"]["dashboards"]["label"] == "grafana_dashboard"


def test_loki_is_monolithic_single_tenant_with_storage_per_environment() -> None:
    dev, prod = _values("dev", "loki"), _values("prod", "loki")
    assert dev["deploymentMode"] == prod["deploymentMode"] == "Monolithic"
    assert dev["loki"]["auth_enabled"] is False
    assert dev["loki"]["storage"]["type"] == "filesystem"
    assert prod["loki"]["storage"]["type"] == "s3"
    assert prod["loki"]["storage"]["bucketNames"]["chunks"] == "acme-greenlight-prod-logs"
    assert prod["loki"]["storage"]["s3"]["secretAccessKey"] == "${LOKI_S3_SECRET_ACCESS_KEY}"
    assert prod["loki"]["limits_config"]["retention_period"] == "744h"
    assert preview("prod").manifest("Secret", "loki-object-storage")["stringData"]["secret-access-key"] == "[secret]"


def test_alloy_runs_per_node_and_parses_the_json_log_lines() -> None:
    values = _values("prod", "alloy")
    assert values["controller"]["type"] == "daemonset"
    config = values["alloy"]["configMap"]["content"]
    assert config == alloy_config("http://loki.monitoring.svc.cluster.local:3100/loki/api/v1/push")
    labels_stage = config.split("stage.labels")[1].split("}")[0]
    metadata_stage = config.split("stage.structured_metadata")[1].split("}")[0]
    assert "level" in labels_stage and "request_id" not in labels_stage
    assert "request_id" in metadata_stage


def test_dashboards_are_provisioned_through_the_sidecar() -> None:
    p = preview("prod")
    for name in ("dashboard-web-service", "dashboard-web-release", "dashboard-web-database", "dashboard-web-logs"):
        cm = p.manifest("ConfigMap", name)
        assert cm["metadata"]["labels"]["grafana_dashboard"] == "1"
        [(filename, text)] = cm["data"].items()
        assert filename.endswith(".json") and json.loads(text)["panels"]


def test_every_stack_keeps_the_longest_slo_window_and_a_size_below_its_volume() -> None:
    for stack in ("dev", "staging", "prod"):
        spec = _values(stack, "kube-prometheus-stack")["prometheus"]["prometheusSpec"]
        assert duration_seconds(spec["retention"]) >= duration_seconds(LONGEST_SLO_WINDOW), stack
        volume = memory_bytes(spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"])
        size = memory_bytes(spec["retentionSize"].removesuffix("B"))  # Prometheus reads GB as GiB
        assert 0 < size < volume, (stack, spec["retentionSize"])


def test_the_longest_slo_window_the_settings_demand_is_the_slo_rules_longest() -> None:
    longest = max((p.long_window for p in BURN_RATE_PAIRS), key=duration_ms)
    assert LONGEST_SLO_WINDOW == longest


def test_retention_sizes_are_prometheus_byte_sizes() -> None:
    # prometheus-operator's ByteSize: (^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$
    for storage, size in (("10Gi", "8GiB"), ("20Gi", "16GiB"), ("3Gi", "2457MiB"), ("50G", "38146MiB")):
        assert retention_size(storage) == size
        assert re.fullmatch(r"(^0|([0-9]*[.])?[0-9]+((K|M|G|T|E|P)i?)?B)$", size)


CONTROL_PLANE = ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy")
CONTROL_PLANE_RULES = ("kubeControllerManager", "kubeSchedulerAlerting", "kubeSchedulerRecording", "etcd", "kubeProxy")


def test_a_managed_control_plane_has_no_control_plane_targets_or_alerts() -> None:
    for stack in ("dev", "staging", "prod"):  # managed is the default
        values = _values(stack, "kube-prometheus-stack")
        assert {c: values[c]["enabled"] for c in CONTROL_PLANE} == dict.fromkeys(CONTROL_PLANE, False), stack
        assert {r: values["defaultRules"]["rules"][r] for r in CONTROL_PLANE_RULES} == dict.fromkeys(
            CONTROL_PLANE_RULES, False
        )


def test_a_self_managed_control_plane_is_scraped_and_alerted_on() -> None:
    values = preview("prod", "greenlight:monitoring.controlPlane=self-managed").helm()["kube-prometheus-stack"]
    values = values["values"]
    assert all(values[c]["enabled"] for c in CONTROL_PLANE)
    assert all(values["defaultRules"]["rules"][r] for r in CONTROL_PLANE_RULES)


def test_only_the_charts_duplicate_watchdog_is_dropped() -> None:
    rules = _values("prod", "kube-prometheus-stack")["defaultRules"]
    # The `general` group stays (TargetDown, InfoInhibitor); greenlight's own Watchdog replaces the chart's.
    assert rules["create"] is True and rules["rules"].get("general", True) is True
    assert rules["disabled"] == {"Watchdog": True}
