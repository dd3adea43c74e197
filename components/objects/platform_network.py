"""NetworkPolicies of the platform namespaces (monitoring, CloudNativePG operator): default deny, then each flow.

Pure builders; MonitoringStack and PostgresOperator register them. Pods are selected by the
`app.kubernetes.io/name` their charts (or, for Prometheus and Alertmanager, the Prometheus Operator) give
them. The API server has no pod or namespace to select: traffic to it is allowed on its ports to any
address. node-exporter runs in the host's network namespace, where NetworkPolicies do not apply.
"""

from __future__ import annotations

from typing import Any

from components.contract import NAME_LABEL, POSTGRES_PORT
from components.objects.database import CNPG_POD_ROLE_LABEL
from components.objects.networking import dns_egress, from_namespace
from components.settings import Settings

# Pod names (app.kubernetes.io/name) as the charts and the operator render them.
PROMETHEUS = "prometheus"
ALERTMANAGER = "alertmanager"
GRAFANA = "grafana"
LOKI = "loki"
ALLOY = "alloy"
KUBE_STATE_METRICS = "kube-state-metrics"
PROMETHEUS_OPERATOR = "kube-prometheus-stack-prometheus-operator"
CNPG_OPERATOR = "cloudnative-pg"
API_CLIENTS = (PROMETHEUS, GRAFANA, ALLOY, KUBE_STATE_METRICS, PROMETHEUS_OPERATOR)  # service discovery, sidecars
# Ports (the charts' defaults).
API_SERVER_PORTS = (443, 6443)  # the kubernetes Service's port and the usual apiserver port behind it
HTTPS_PORT = 443  # receivers (PagerDuty, Slack), object storage
PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
ALERTMANAGER_MESH_PORT = 9094  # gossip between replicas, TCP and UDP
GRAFANA_PORT = 3000
LOKI_HTTP_PORT = 3100
LOKI_GRPC_PORT = 9095
LOKI_MEMBERLIST_PORT = 7946
CNPG_WEBHOOK_PORT = 9443
CNPG_METRICS_PORT = 8080
CNPG_INSTANCE_STATUS_PORT = 8000  # the instance manager's status endpoint the operator polls


def _tcp(*ports: int) -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": p} for p in ports]


def _pods(*names: str) -> dict[str, Any]:
    if len(names) == 1:
        return {"matchLabels": {NAME_LABEL: names[0]}}
    return {"matchExpressions": [{"key": NAME_LABEL, "operator": "In", "values": list(names)}]}


def _policy(namespace: str, name: str, labels: dict[str, str], spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": namespace, "labels": labels},
        "spec": spec,
    }


def _allow(
    selector: dict[str, Any], ingress: list[Any] | None = None, egress: list[Any] | None = None
) -> dict[str, Any]:
    types = [t for t, rules in (("Ingress", ingress), ("Egress", egress)) if rules is not None]
    return {"podSelector": selector, "policyTypes": types, **({"ingress": ingress} if ingress is not None else {}),
            **({"egress": egress} if egress is not None else {})}  # fmt: skip


def namespace_baseline(namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """Every pod of the namespace: nothing in or out, except cluster DNS."""
    return [
        _policy(namespace, "default-deny", labels, {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}),
        _policy(namespace, "allow-dns", labels, _allow({}, egress=[dns_egress()])),
    ]


def api_server_egress() -> dict[str, Any]:
    return {"ports": _tcp(*API_SERVER_PORTS)}


def from_pods(*names: str) -> dict[str, Any]:
    return {"podSelector": _pods(*names)}


def _mesh() -> list[dict[str, Any]]:
    return [{"protocol": "TCP", "port": ALERTMANAGER_MESH_PORT}, {"protocol": "UDP", "port": ALERTMANAGER_MESH_PORT}]


def _monitoring_flows() -> dict[str, dict[str, Any]]:
    """Policy name -> spec, one per component."""
    return {
        # Prometheus scrapes every pod here, on any port; it scrapes the rest of the cluster too.
        "scrapes": _allow({}, ingress=[{"from": [from_pods(PROMETHEUS)]}]),
        "prometheus": _allow(
            _pods(PROMETHEUS),
            ingress=[{"from": [{"namespaceSelector": {}}], "ports": _tcp(PROMETHEUS_PORT)}],  # Grafana, release gates
            egress=[{}],  # targets in every namespace and on every node
        ),
        "alertmanager": _allow(
            _pods(ALERTMANAGER),
            ingress=[
                {"from": [from_pods(PROMETHEUS, GRAFANA)], "ports": _tcp(ALERTMANAGER_PORT)},
                {"from": [from_pods(ALERTMANAGER)], "ports": _mesh()},
            ],
            egress=[{"ports": _tcp(HTTPS_PORT)}, {"to": [from_pods(ALERTMANAGER)], "ports": _mesh()}],
        ),
        "grafana": _allow(
            _pods(GRAFANA),
            ingress=[{"from": [{"namespaceSelector": {}}], "ports": _tcp(GRAFANA_PORT)}],  # users, via ingress
            egress=[
                {"to": [from_pods(PROMETHEUS)], "ports": _tcp(PROMETHEUS_PORT)},
                {"to": [from_pods(ALERTMANAGER)], "ports": _tcp(ALERTMANAGER_PORT)},
                {"to": [from_pods(LOKI)], "ports": _tcp(LOKI_HTTP_PORT)},
            ],
        ),
        "loki": _allow(
            _pods(LOKI),
            ingress=[
                {"from": [from_pods(ALLOY, GRAFANA)], "ports": _tcp(LOKI_HTTP_PORT)},
                {"from": [from_pods(LOKI)], "ports": _tcp(LOKI_GRPC_PORT, LOKI_MEMBERLIST_PORT)},
            ],
            egress=[
                {"to": [from_pods(LOKI)], "ports": _tcp(LOKI_GRPC_PORT, LOKI_MEMBERLIST_PORT)},
                {"ports": _tcp(HTTPS_PORT)},  # the object store
            ],
        ),
        "alloy": _allow(_pods(ALLOY), egress=[{"to": [from_pods(LOKI)], "ports": _tcp(LOKI_HTTP_PORT)}]),
        "api-server": _allow(_pods(*API_CLIENTS), egress=[api_server_egress()]),
    }


def build_monitoring_policies(settings: Settings, labels: dict[str, str]) -> list[dict[str, Any]]:
    namespace = settings.monitoring.namespace
    flows = [_policy(namespace, f"allow-{name}", labels, spec) for name, spec in _monitoring_flows().items()]
    return [*namespace_baseline(namespace, labels), *flows]


def build_operator_policies(namespace: str, monitoring_namespace: str, labels: dict[str, str]) -> list[dict[str, Any]]:
    """The CloudNativePG operator: webhook calls from the API server, scrapes, and its reach to instances."""
    operator = _allow(
        _pods(CNPG_OPERATOR),
        # The API server calls the webhook from an address no selector names.
        ingress=[{"ports": _tcp(CNPG_WEBHOOK_PORT)}, {"from": [from_namespace(monitoring_namespace)],
                                                      "ports": _tcp(CNPG_METRICS_PORT)}],
        egress=[
            api_server_egress(),
            {
                "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {CNPG_POD_ROLE_LABEL: "instance"}}}],
                "ports": _tcp(CNPG_INSTANCE_STATUS_PORT, POSTGRES_PORT),
            },
        ],
    )  # fmt: skip
    return [*namespace_baseline(namespace, labels), _policy(namespace, "allow-operator", labels, operator)]


def build_operator_disruption_budget(namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """The operator's pods leave one at a time (its chart has no PodDisruptionBudget of its own)."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": {"name": CNPG_OPERATOR, "namespace": namespace, "labels": labels},
        "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {NAME_LABEL: CNPG_OPERATOR}}},
    }
