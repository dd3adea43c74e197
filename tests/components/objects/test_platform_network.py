"""The platform namespaces' NetworkPolicies let exactly the flows the stack needs through, and nothing else."""

from __future__ import annotations

from typing import Any

import pytest

from components.objects import platform_network as net
from tests.support.netpol import OUTSIDE, Endpoint, allowed
from tests.support.stacks import stack_settings

SETTINGS = stack_settings("prod")
MON = SETTINGS.monitoring.namespace
CNPG = "cnpg-system"


def pod(name: str, namespace: str = MON) -> Endpoint:
    return Endpoint(namespace, {"app.kubernetes.io/name": name})


PROMETHEUS, ALERTMANAGER, GRAFANA = pod(net.PROMETHEUS), pod(net.ALERTMANAGER), pod(net.GRAFANA)
LOKI, ALLOY, KSM, OPERATOR = pod(net.LOKI), pod(net.ALLOY), pod(net.KUBE_STATE_METRICS), pod(net.PROMETHEUS_OPERATOR)
CNPG_OPERATOR = pod(net.CNPG_OPERATOR, CNPG)
APP = Endpoint("web", {"app.kubernetes.io/name": "web"})
DB_INSTANCE = Endpoint("web", {"cnpg.io/cluster": "web-db", "cnpg.io/podRole": "instance"})
INGRESS_CONTROLLER = Endpoint("ingress-nginx", {"app.kubernetes.io/name": "ingress-nginx"})
KUBE_DNS = Endpoint("kube-system", {"k8s-app": "kube-dns"})
MONITORING_PODS = (PROMETHEUS, ALERTMANAGER, GRAFANA, LOKI, ALLOY, KSM, OPERATOR)


@pytest.fixture(scope="module")
def policies() -> list[dict[str, Any]]:
    labels = {"team": "platform"}
    return [*net.build_monitoring_policies(SETTINGS, labels), *net.build_operator_policies(CNPG, MON, labels)]


@pytest.mark.parametrize(
    ("source", "destination", "port"),
    [
        (GRAFANA, PROMETHEUS, net.PROMETHEUS_PORT),
        (GRAFANA, ALERTMANAGER, net.ALERTMANAGER_PORT),
        (GRAFANA, LOKI, net.LOKI_HTTP_PORT),
        (ALLOY, LOKI, net.LOKI_HTTP_PORT),
        (PROMETHEUS, ALERTMANAGER, net.ALERTMANAGER_PORT),
        (ALERTMANAGER, ALERTMANAGER, net.ALERTMANAGER_MESH_PORT),
        (LOKI, LOKI, net.LOKI_MEMBERLIST_PORT),
        (LOKI, LOKI, net.LOKI_GRPC_PORT),
        (PROMETHEUS, APP, 8080),  # scrapes the apps
        (APP, PROMETHEUS, net.PROMETHEUS_PORT),  # the release gate asks Prometheus
        (INGRESS_CONTROLLER, GRAFANA, net.GRAFANA_PORT),  # users
        (ALERTMANAGER, OUTSIDE, net.HTTPS_PORT),  # PagerDuty, Slack
        (LOKI, OUTSIDE, net.HTTPS_PORT),  # the bucket
        *[(p, OUTSIDE, port) for p in (PROMETHEUS, GRAFANA, ALLOY, KSM, OPERATOR) for port in net.API_SERVER_PORTS],
        *[(PROMETHEUS, p, port) for p in MONITORING_PODS for port in (8080, 3000, 3100, 9093, 12345)],  # scrapes
        (OUTSIDE, CNPG_OPERATOR, net.CNPG_WEBHOOK_PORT),  # the API server calls the webhook
        (PROMETHEUS, CNPG_OPERATOR, net.CNPG_METRICS_PORT),
        (CNPG_OPERATOR, DB_INSTANCE, net.CNPG_INSTANCE_STATUS_PORT),
        (CNPG_OPERATOR, DB_INSTANCE, 5432),
        (CNPG_OPERATOR, OUTSIDE, 443),
    ],
)
def test_needed_flows_are_allowed(
    policies: list[dict[str, Any]], source: Endpoint, destination: Endpoint, port: int
) -> None:
    assert allowed(policies, source, destination, port)


def test_alertmanager_replicas_gossip_over_udp_too(policies: list[dict[str, Any]]) -> None:
    assert allowed(policies, ALERTMANAGER, ALERTMANAGER, net.ALERTMANAGER_MESH_PORT, "UDP")


@pytest.mark.parametrize("source", [*MONITORING_PODS, CNPG_OPERATOR])
def test_every_pod_resolves_names(policies: list[dict[str, Any]], source: Endpoint) -> None:
    assert allowed(policies, source, KUBE_DNS, 53, "UDP") and allowed(policies, source, KUBE_DNS, 53, "TCP")


@pytest.mark.parametrize(
    ("source", "destination", "port"),
    [
        (APP, LOKI, net.LOKI_HTTP_PORT),  # logs come through Alloy only
        (APP, ALERTMANAGER, net.ALERTMANAGER_PORT),
        (ALLOY, PROMETHEUS, net.PROMETHEUS_PORT),
        (GRAFANA, ALLOY, 12345),
        (LOKI, GRAFANA, net.GRAFANA_PORT),
        (ALLOY, OUTSIDE, 80),
        (ALERTMANAGER, OUTSIDE, 80),
        (KSM, OUTSIDE, 80),
        (LOKI, APP, 8080),
        (APP, CNPG_OPERATOR, net.CNPG_METRICS_PORT),
        (CNPG_OPERATOR, OUTSIDE, 80),
        (CNPG_OPERATOR, APP, 8080),
    ],
)
def test_everything_else_is_denied(
    policies: list[dict[str, Any]], source: Endpoint, destination: Endpoint, port: int
) -> None:
    """Grafana is the one UI: it takes users from any namespace (the ingress controller's is not known)."""
    assert not allowed(policies, source, destination, port)


def test_each_namespace_starts_from_deny_all(policies: list[dict[str, Any]]) -> None:
    deny = [p for p in policies if p["metadata"]["name"] == "default-deny"]
    assert sorted(p["metadata"]["namespace"] for p in deny) == sorted([MON, CNPG])
    assert all(p["spec"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]} for p in deny)


def test_the_operator_budget_lets_one_pod_go_at_a_time() -> None:
    pdb = net.build_operator_disruption_budget(CNPG, {})
    selector = {"matchLabels": {"app.kubernetes.io/name": "cloudnative-pg"}}
    assert pdb["spec"] == {"maxUnavailable": 1, "selector": selector}
