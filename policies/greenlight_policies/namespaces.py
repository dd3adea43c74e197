"""Isolation: an app's objects live in a namespace of their own, never in `default`.

`default` is where everything lands that names no namespace (kubectl, the provider without a namespace,
yaml/v2 ConfigGroups for a namespaced kind without one), so quotas, NetworkPolicies and RBAC scoped to
an app's namespace never see what is there, and every careless object shares it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from greenlight_policies.kube import DEFAULT_NAMESPACE, WORKLOAD_KINDS, dig, is_unknown
from greenlight_policies.registry import Meta, resource_policy
from greenlight_policies.stackview import Obj

# What an app is made of: its workloads and the namespaced objects that serve, configure, expose,
# identify and protect them. (Custom resources are left out: the pack cannot tell their scope.)
APP_KINDS = (
    *WORKLOAD_KINDS,
    "Service",
    "Ingress",
    "ConfigMap",
    "Secret",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "PersistentVolumeClaim",
    "PodDisruptionBudget",
    "HorizontalPodAutoscaler",
    "NetworkPolicy",
)


def in_default_namespace(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if resource.kind not in APP_KINDS:
        return
    given = dig(resource.props, "metadata", "namespace")
    if is_unknown(given) or resource.namespace != DEFAULT_NAMESPACE:
        return
    how = "is in the default namespace" if given else "names no namespace, so it lands in default"
    yield (
        f"{resource.kind} {resource.name} {how}; set metadata.namespace to the app's own namespace so its "
        "quotas, NetworkPolicies and RBAC apply to it."
    )


POLICIES = [
    resource_policy(
        Meta(
            "no-default-namespace",
            "Checks that workloads and the objects that serve them are not in the default namespace.",
            Severity.MEDIUM,
            "Give every object metadata.namespace: the app's namespace (greenlight:namespace); an object "
            "without one lands in the provider's or kubeconfig context's namespace, usually default.",
        ),
        in_default_namespace,
    ),
]
