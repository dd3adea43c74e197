"""Pure builders for how traffic and scrapes reach the app: Service, NetworkPolicy, ServiceMonitor, Ingress."""

from __future__ import annotations

from typing import Any

from components.contract import (
    CNPG_CLUSTER_LABEL,
    COLOR_LABEL,
    NAME_LABEL,
    NAMESPACE_NAME_LABEL,
    PORT_NAME,
    POSTGRES_PORT,
    PROMETHEUS_SELECTOR_LABELS,
    VERSION_LABEL,
    database_cluster_name,
)
from components.objects.meta import app_labels, metadata, selector_labels
from components.settings import AppSpec

SCRAPE_LABEL = "greenlight.dev/scrape"  # Services whose endpoints Prometheus scrapes, once per pod
SCRAPE_INTERVAL = "30s"
SCRAPE_TIMEOUT = "10s"
DNS_PORT = 53
# Labels of the cluster DNS pods (CoreDNS keeps the kube-dns label for compatibility).
KUBE_DNS_NAMESPACE = "kube-system"
KUBE_DNS_POD_LABELS = {"k8s-app": "kube-dns"}
# cert-manager's ingress-shim (cert-manager.io docs, "Securing Ingress Resources").
CLUSTER_ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"


def build_service(
    spec: AppSpec,
    name: str,
    selector: dict[str, str],
    *,
    color: str | None = None,
    version: str = "",
    scrape: bool = True,
) -> dict[str, Any]:
    """A ClusterIP Service on the app port. `scrape` marks the Services the ServiceMonitor follows."""
    labels = app_labels(spec, color, version)
    labels[SCRAPE_LABEL] = "true" if scrape else "false"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(spec, name, labels),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": PORT_NAME, "port": spec.app.port, "targetPort": PORT_NAME, "protocol": "TCP"}],
        },
    }


def from_namespace(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}


def dns_egress() -> dict[str, Any]:
    """Egress rule: cluster DNS (kube-dns pods in kube-system), UDP and TCP."""
    return {
        "to": [{**from_namespace(KUBE_DNS_NAMESPACE), "podSelector": {"matchLabels": KUBE_DNS_POD_LABELS}}],
        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
    }


def database_egress(spec: AppSpec) -> dict[str, Any]:
    """Egress rule: the app's PostgreSQL pods (CloudNativePG labels them with their cluster)."""
    return {
        "to": [{"podSelector": {"matchLabels": {CNPG_CLUSTER_LABEL: database_cluster_name(spec.name)}}}],
        "ports": [{"protocol": "TCP", "port": POSTGRES_PORT}],
    }


def build_network_policy(spec: AppSpec, extra_sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Default deny in both directions for every app pod (all colors), then the few allowed paths.

    In: the ingress controller's namespace and Prometheus' namespace, on the app port only
    (plus `extra_sources`, e.g. the release gate's pods). Out: cluster DNS and declared
    dependencies (the app's PostgreSQL pods when the database is enabled).
    """
    app_port = [{"protocol": "TCP", "port": spec.app.port}]
    sources = [
        from_namespace(spec.app.ingress.source_namespace),
        from_namespace(spec.monitoring.namespace),
        *(extra_sources or []),
    ]
    egress = [dns_egress()]
    if spec.database.enabled:
        egress.append(database_egress(spec))
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, spec.name, app_labels(spec)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(spec)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": sources, "ports": app_port}],
            "egress": egress,
        },
    }


def build_service_monitor(spec: AppSpec) -> dict[str, Any]:
    """Scrapes /metrics of every app pod once, via the Services labelled for scraping.

    jobLabel keeps `job="<app>"` whatever Service a pod sits behind; podTargetLabels copy the
    color and version onto every series so dashboards and the release gate can split by color
    (Prometheus sanitizes `greenlight.dev/color` to `greenlight_dev_color`).
    """
    labels = {**app_labels(spec), **PROMETHEUS_SELECTOR_LABELS}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(spec, spec.name, labels),
        "spec": {
            "jobLabel": NAME_LABEL,
            "selector": {"matchLabels": {**selector_labels(spec), SCRAPE_LABEL: "true"}},
            "namespaceSelector": {"matchNames": [spec.namespace]},
            "podTargetLabels": [COLOR_LABEL, VERSION_LABEL],
            "endpoints": [
                {"port": PORT_NAME, "path": "/metrics", "interval": SCRAPE_INTERVAL, "scrapeTimeout": SCRAPE_TIMEOUT}
            ],
        },
    }


def issuer_annotations(cluster_issuer: str) -> dict[str, Any]:
    """cert-manager's ingress-shim issues the Ingress's TLS Secret when the Ingress names an issuer."""
    return {"annotations": {CLUSTER_ISSUER_ANNOTATION: cluster_issuer}} if cluster_issuer else {}


def build_ingress(spec: AppSpec, service_name: str) -> dict[str, Any]:
    ing = spec.app.ingress
    tls_secret = ing.tls_secret_name or f"{spec.name}-tls"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(spec, spec.name, app_labels(spec), **issuer_annotations(ing.cluster_issuer)),
        "spec": {
            "ingressClassName": ing.class_name,
            "tls": [{"hosts": [ing.host], "secretName": tls_secret}],
            "rules": [
                {
                    "host": ing.host,
                    "http": {
                        "paths": [
                            {
                                "path": "/",
                                "pathType": "Prefix",
                                "backend": {"service": {"name": service_name, "port": {"name": PORT_NAME}}},
                            }
                        ]
                    },
                }
            ],
        },
    }
