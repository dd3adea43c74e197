"""Exposure: what opens the app beyond the cluster. No public cloud load balancer or node port unless
someone said so explicitly, no external IPs, and every Ingress host served over TLS.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from greenlight_policies.kube import dig, is_unknown
from greenlight_policies.registry import Meta, resource_policy
from greenlight_policies.stackview import Obj

ALLOW_PUBLIC_ANNOTATION = "greenlight.dev/allow-public-load-balancer"
ALLOW_NODE_PORT_ANNOTATION = "greenlight.dev/allow-node-port"
# ingress-nginx serves plain HTTP beside HTTPS when this is "false" (its default redirects to HTTPS).
SSL_REDIRECT_ANNOTATION = "nginx.ingress.kubernetes.io/ssl-redirect"
# Annotations that make a cloud load balancer internal (AWS, GKE, AKS, OCI provider docs).
INTERNAL_ANNOTATIONS: dict[str, tuple[str, ...]] = {
    "service.beta.kubernetes.io/aws-load-balancer-internal": ("true", "0.0.0.0/0"),
    "service.beta.kubernetes.io/aws-load-balancer-scheme": ("internal",),
    "networking.gke.io/load-balancer-type": ("internal",),
    "cloud.google.com/load-balancer-type": ("internal",),
    "service.beta.kubernetes.io/azure-load-balancer-internal": ("true",),
    "service.beta.kubernetes.io/oci-load-balancer-internal": ("true",),
}


def is_internal(annotations: Mapping[str, Any]) -> bool:
    return any(str(annotations.get(key, "")).lower() in values for key, values in INTERNAL_ANNOTATIONS.items())


def public_load_balancer(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if resource.kind != "Service":
        return
    props = resource.props
    if dig(props, "spec", "type") != "LoadBalancer":
        return
    annotations = dig(props, "metadata", "annotations") or {}
    if is_internal(annotations) or str(annotations.get(ALLOW_PUBLIC_ANNOTATION, "")).lower() == "true":
        return
    yield (
        f"Service {resource.resource_name} is a public LoadBalancer: expose it through the Ingress, make it "
        "internal, or "
        f'annotate it {ALLOW_PUBLIC_ANNOTATION}: "true" after a security review.'
    )


def _allowed(resource: Obj, annotation: str) -> bool:
    return str((dig(resource.props, "metadata", "annotations") or {}).get(annotation, "")).lower() == "true"


def node_port(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if resource.kind != "Service" or resource.spec.get("type") != "NodePort":
        return
    if _allowed(resource, ALLOW_NODE_PORT_ANNOTATION):
        return
    given = [p.get("nodePort") for p in resource.spec.get("ports") or [] if isinstance(p, dict)]
    ports = [str(int(p)) for p in given if isinstance(p, (int, float)) and p]
    which = f"port {', '.join(ports)}" if ports else "a port"
    yield (
        f"Service {resource.name} is type NodePort: it opens {which} on every node, past the Ingress and its "
        f'TLS; use type ClusterIP behind the Ingress, or annotate it {ALLOW_NODE_PORT_ANNOTATION}: "true" after a '
        "security review."
    )


def external_ips(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if resource.kind != "Service":
        return
    ips = resource.spec.get("externalIPs") or []
    if ips and not is_unknown(ips):
        yield (
            f"Service {resource.name} claims externalIPs {', '.join(map(str, ips))}: traffic to those "
            "addresses is captured on every node (CVE-2020-8554); remove spec.externalIPs and expose it through "
            "the Ingress."
        )


def _covers(tls_hosts: list[str], host: str) -> bool:
    """A TLS entry covers its hosts; `*.example.com` covers one label below example.com."""
    for pattern in tls_hosts:
        if pattern == host or (pattern.startswith("*.") and host.split(".", 1)[-1] == pattern[2:] and "." in host):
            return True
    return False


def _uncovered_hosts(spec: Mapping[str, Any], tls: list[dict[str, Any]]) -> list[str]:
    if any(not t.get("hosts") for t in tls):
        return []  # an entry without hosts covers every host (the controller's default certificate)
    tls_hosts = [str(h) for t in tls for h in t["hosts"]]
    hosts = [str(r.get("host")) for r in spec.get("rules") or [] if isinstance(r, dict) and r.get("host")]
    return [h for h in dict.fromkeys(hosts) if not is_unknown(h) and not _covers(tls_hosts, h)]


def ingress_without_tls(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if resource.kind != "Ingress":
        return
    where = f"Ingress {resource.name}"
    tls = [t for t in resource.spec.get("tls") or [] if isinstance(t, dict)]
    if not tls:
        yield f"{where} serves plain HTTP: add spec.tls with its hosts and a certificate Secret (cert-manager)."
        return
    uncovered = _uncovered_hosts(resource.spec, tls)
    if uncovered:
        yield f"{where}: add {', '.join(uncovered)} to spec.tls[].hosts; a host without TLS is served over plain HTTP."
    annotations = dig(resource.props, "metadata", "annotations") or {}
    if str(annotations.get(SSL_REDIRECT_ANNOTATION, "")).lower() == "false":
        yield f'{where}: remove {SSL_REDIRECT_ANNOTATION}: "false"; plain HTTP must redirect to HTTPS.'


POLICIES = [
    resource_policy(
        Meta(
            "no-public-load-balancer",
            "Checks that no Service opens a public cloud load balancer without an explicit allow annotation.",
            Severity.HIGH,
            "Use type ClusterIP behind the Ingress, or an internal load balancer annotation, or annotate the "
            f'Service {ALLOW_PUBLIC_ANNOTATION}: "true" once the exposure is reviewed.',
        ),
        public_load_balancer,
    ),
    resource_policy(
        Meta(
            "no-node-port-services",
            "Checks that no Service opens a port on every node (type NodePort) without an explicit allow annotation.",
            Severity.HIGH,
            "Use type ClusterIP and route through the Ingress; where a node port is the design (bare-metal "
            f'ingress), annotate the Service {ALLOW_NODE_PORT_ANNOTATION}: "true" once the exposure is reviewed.',
        ),
        node_port,
    ),
    resource_policy(
        Meta(
            "no-service-external-ips",
            "Checks that no Service claims externalIPs.",
            Severity.HIGH,
            "Remove spec.externalIPs; expose the Service through the Ingress or a LoadBalancer (and let the "
            "cluster's DenyServiceExternalIPs admission plugin refuse them).",
        ),
        external_ips,
    ),
    resource_policy(
        Meta(
            "ingress-tls",
            "Checks that every Ingress serves its hosts over TLS and redirects plain HTTP.",
            Severity.HIGH,
            "List every rule's host under spec.tls[].hosts with a certificate Secret (greenlight's Ingress "
            "gets one from cert-manager), and leave ssl-redirect at its default (true).",
        ),
        ingress_without_tls,
    ),
]
