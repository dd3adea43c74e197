"""The one path by which components register children: manifest dicts and Helm charts.

One place knows how a manifest's top-level fields map to the typed pulumi-kubernetes constructors,
so every component registers its objects the same way: typed resources for built-in kinds,
CustomResource for CRDs, helm.v4.Chart for charts.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.objects.charts import ChartSource

# Manifest top-level fields -> keyword of the typed pulumi-kubernetes constructor.
_FIELDS = {
    "metadata": "metadata",
    "spec": "spec",
    "data": "data",
    "stringData": "string_data",
    "type": "type",
    "automountServiceAccountToken": "automount_service_account_token",
    "rules": "rules",
}
_KINDS: dict[tuple[str, str], Any] = {
    ("v1", "Namespace"): k8s.core.v1.Namespace,
    ("v1", "ServiceAccount"): k8s.core.v1.ServiceAccount,
    ("v1", "ConfigMap"): k8s.core.v1.ConfigMap,
    ("v1", "Secret"): k8s.core.v1.Secret,
    ("v1", "Service"): k8s.core.v1.Service,
    ("apps/v1", "Deployment"): k8s.apps.v1.Deployment,
    ("autoscaling/v2", "HorizontalPodAutoscaler"): k8s.autoscaling.v2.HorizontalPodAutoscaler,
    ("policy/v1", "PodDisruptionBudget"): k8s.policy.v1.PodDisruptionBudget,
    ("networking.k8s.io/v1", "NetworkPolicy"): k8s.networking.v1.NetworkPolicy,
    ("networking.k8s.io/v1", "Ingress"): k8s.networking.v1.Ingress,
    ("batch/v1", "Job"): k8s.batch.v1.Job,
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): k8s.rbac.v1.ClusterRole,
}


def register(name: str, manifest: Any, opts: pulumi.ResourceOptions | None = None) -> pulumi.CustomResource:
    """Registers a manifest dict as the typed resource for its kind (a CustomResource for CRDs).

    `manifest` may be an Output of a dict (e.g. built from a resolved image): apiVersion and kind
    must then be known up front, so pass them as plain keys of a dict whose other values are Outputs.
    """
    key = (manifest["apiVersion"], manifest["kind"])
    fields = {_FIELDS[k]: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    if key in _KINDS:
        return _KINDS[key](name, **fields, opts=opts)  # type: ignore[no-any-return]
    return k8s.apiextensions.CustomResource(name, api_version=key[0], kind=key[1], **fields, opts=opts)


def chart(
    name: str,
    source: ChartSource,
    release: str,
    namespace: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    skip_crds: bool | None = None,
) -> k8s.helm.v4.Chart:
    """A helm.v4.Chart: every object of the chart becomes its own resource (seen by the policy pack)."""
    return k8s.helm.v4.Chart(
        name,
        name=release,
        chart=source.chart,
        version=source.version,
        namespace=namespace,
        repository_opts={"repo": source.repository},
        values=values,
        skip_crds=skip_crds,
        opts=opts,
    )


def child_opts(
    parent: pulumi.Resource, after: Sequence[pulumi.Resource | None] = (), **extra: Any
) -> pulumi.ResourceOptions:
    """Parent + ordering: a child waits for `after` (None entries are skipped) and takes `extra` options."""
    return pulumi.ResourceOptions(parent=parent, depends_on=[r for r in after if r is not None], **extra)


def split(manifest: pulumi.Output[dict[str, Any]], api_version: str, kind: str) -> dict[str, Any]:
    """An Output of a manifest -> a manifest dict of Outputs, for `register` (kind known up front)."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": manifest.apply(lambda m: m["metadata"]),
        "spec": manifest.apply(lambda m: m["spec"]),
    }
