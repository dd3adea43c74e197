"""Pure builders for how traffic and scrapes reach the app: Service, NetworkPolicy, ServiceMonitor, Ingress."""

from __future__ import annotations

from typing import Any

from components import database
from components.labels import COLOR_LABEL
from components.settings import Settings
from components.workload import PORT_NAME, metadata, object_labels, selector_labels

# kube-prometheus-stack's Prometheus selects ServiceMonitors labelled with its Helm release name
# (chart default serviceMonitorSelector); the monitoring component also sets
# serviceMonitorSelectorNilUsesHelmValues=false, so either way ours is picked up.
PROMETHEUS_RELEASE_LABEL = {"release": "kube-prometheus-stack"}
SCRAPE_LABEL = "greenlight.dev/scrape"  # Services whose endpoints Prometheus scrapes, once per pod
SCRAPE_INTERVAL = "30s"
SCRAPE_TIMEOUT = "10s"
DNS_PORT = 53
# Labels of the cluster DNS pods (CoreDNS keeps the kube-dns label for compatibility).
KUBE_DNS_NAMESPACE = "kube-system"
KUBE_DNS_POD_LABELS = {"k8s-app": "kube-dns"}
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # set by the API server on every namespace


def service_url(settings: Settings, service_name: str) -> str:
    return f"http://{service_name}.{settings.app_namespace}.svc.cluster.local:{settings.app.port}"


def build_service(
    settings: Settings,
    name: str,
    selector: dict[str, str],
    *,
    color: str | None = None,
    version: str = "",
    scrape: bool = True,
) -> dict[str, Any]:
    """A ClusterIP Service on the app port. `scrape` marks the Services the ServiceMonitor follows."""
    labels = object_labels(settings, color, version)
    labels[SCRAPE_LABEL] = "true" if scrape else "false"
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": metadata(settings, name, labels),
        "spec": {
            "type": "ClusterIP",
            "selector": selector,
            "ports": [{"name": PORT_NAME, "port": settings.app.port, "targetPort": PORT_NAME, "protocol": "TCP"}],
        },
    }


def _from_namespace(namespace: str) -> dict[str, Any]:
    return {"namespaceSelector": {"matchLabels": {NAMESPACE_NAME_LABEL: namespace}}}


def dns_egress() -> dict[str, Any]:
    """Egress rule: cluster DNS (kube-dns pods in kube-system), UDP and TCP."""
    return {
        "to": [{**_from_namespace(KUBE_DNS_NAMESPACE), "podSelector": {"matchLabels": KUBE_DNS_POD_LABELS}}],
        "ports": [{"protocol": "UDP", "port": DNS_PORT}, {"protocol": "TCP", "port": DNS_PORT}],
    }


def database_egress(settings: Settings) -> dict[str, Any]:
    """Egress rule: the app's PostgreSQL pods (CloudNativePG labels them with their cluster)."""
    return {
        "to": [{"podSelector": {"matchLabels": {database.CNPG_CLUSTER_LABEL: database.cluster_name(settings)}}}],
        "ports": [{"protocol": "TCP", "port": database.POSTGRES_PORT}],
    }


def build_network_policy(settings: Settings, extra_sources: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """Default deny in both directions for every app pod (all colors), then the few allowed paths.

    In: the ingress controller's namespace and Prometheus' namespace, on the app port only
    (plus `extra_sources`, e.g. the release gate's pods). Out: cluster DNS and declared
    dependencies (the app's PostgreSQL pods when the database is enabled).
    """
    app_port = [{"protocol": "TCP", "port": settings.app.port}]
    sources = [
        _from_namespace(settings.app.ingress.source_namespace),
        _from_namespace(settings.monitoring.namespace),
        *(extra_sources or []),
    ]
    egress = [dns_egress()]
    if settings.database.enabled:
        egress.append(database_egress(settings))
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(settings, settings.app.name, object_labels(settings, None)),
        "spec": {
            "podSelector": {"matchLabels": selector_labels(settings)},
            "policyTypes": ["Ingress", "Egress"],
            "ingress": [{"from": sources, "ports": app_port}],
            "egress": egress,
        },
    }


def build_service_monitor(settings: Settings) -> dict[str, Any]:
    """Scrapes /metrics of every app pod once, via the Services labelled for scraping.

    jobLabel keeps `job="<app>"` whatever Service a pod sits behind; podTargetLabels copy the
    color and version onto every series so dashboards and the release gate can split by color
    (Prometheus sanitizes `greenlight.dev/color` to `greenlight_dev_color`).
    """
    labels = {**object_labels(settings, None), **PROMETHEUS_RELEASE_LABEL}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "ServiceMonitor",
        "metadata": metadata(settings, settings.app.name, labels),
        "spec": {
            "jobLabel": "app.kubernetes.io/name",
            "selector": {"matchLabels": {**selector_labels(settings), SCRAPE_LABEL: "true"}},
            "namespaceSelector": {"matchNames": [settings.app_namespace]},
            "podTargetLabels": [COLOR_LABEL, "app.kubernetes.io/version"],
            "endpoints": [
                {"port": PORT_NAME, "path": "/metrics", "interval": SCRAPE_INTERVAL, "scrapeTimeout": SCRAPE_TIMEOUT}
            ],
        },
    }


def build_ingress(settings: Settings, service_name: str) -> dict[str, Any]:
    ing = settings.app.ingress
    tls_secret = ing.tls_secret_name or f"{settings.app.name}-tls"
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "Ingress",
        "metadata": metadata(settings, settings.app.name, object_labels(settings, None)),
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
