"""Service exposure: no public cloud load balancer unless someone said so explicitly."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from greenlight_policies.kube import dig
from greenlight_policies.registry import Meta, resource_policy
from greenlight_policies.stackview import Obj

ALLOW_PUBLIC_ANNOTATION = "greenlight.dev/allow-public-load-balancer"
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
]
