"""Registers manifest dicts (from the pure builders) as pulumi-kubernetes resources.

One place knows how a manifest's top-level fields map to the typed constructors, so every component
registers its objects the same way: typed resources for built-in kinds, CustomResource for CRDs.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

# Manifest top-level fields -> keyword of the typed pulumi-kubernetes constructor.
_FIELDS = {
    "metadata": "metadata",
    "spec": "spec",
    "data": "data",
    "automountServiceAccountToken": "automount_service_account_token",
}
_KINDS: dict[tuple[str, str], Any] = {
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
}


def register(name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    """Registers a manifest dict as the typed resource for its kind (a CustomResource for CRDs)."""
    key = (manifest["apiVersion"], manifest["kind"])
    fields = {_FIELDS[k]: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    if key in _KINDS:
        return _KINDS[key](name, **fields, opts=opts)  # type: ignore[no-any-return]
    return k8s.apiextensions.CustomResource(name, api_version=key[0], kind=key[1], **fields, opts=opts)


def child_opts(
    parent: pulumi.Resource, namespace: pulumi.Resource | None, *after: pulumi.Resource
) -> pulumi.ResourceOptions:
    """Parent + ordering: every child waits for the namespace (and for `after`)."""
    depends = [r for r in (namespace, *after) if r is not None]
    return pulumi.ResourceOptions(parent=parent, depends_on=depends)
