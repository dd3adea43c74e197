"""The aliases pulumi-kubernetes' typed classes add to every object of their kind, by apiVersion and kind.

Each typed class (`pulumi_kubernetes/apps/v1/Deployment.py`, `_internal_init`) merges
`ResourceOptions(aliases=[pulumi.Alias(type_="kubernetes:apps/v1beta1:Deployment"), ...])` after the
caller's options: the same kind under its older API versions, so an object first created under one of
those types is found, not replaced. register() sends the same aliases for the same kinds, so the engine
sees exactly what it saw when components used the typed classes. Kinds without an entry get none, as
their typed classes (Namespace, ConfigMap, Secret, Service, Job, ...) and CustomResource add none.
tests/components/resources/test_register.py checks the table against every typed class of the stable
API versions of apps, autoscaling, batch, core, networking, policy and rbac (pulumi-kubernetes 4.x).
"""

from __future__ import annotations

_RBAC_OLD = ("rbac.authorization.k8s.io/v1alpha1", "rbac.authorization.k8s.io/v1beta1")
OLD_API_VERSIONS: dict[tuple[str, str], tuple[str, ...]] = {
    ("apps/v1", "ControllerRevision"): ("apps/v1beta1", "apps/v1beta2"),
    ("apps/v1", "DaemonSet"): ("apps/v1beta2", "extensions/v1beta1"),
    ("apps/v1", "Deployment"): ("apps/v1beta1", "apps/v1beta2", "extensions/v1beta1"),
    ("apps/v1", "ReplicaSet"): ("apps/v1beta2", "extensions/v1beta1"),
    ("apps/v1", "StatefulSet"): ("apps/v1beta1", "apps/v1beta2"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"): ("autoscaling/v1", "autoscaling/v2beta1", "autoscaling/v2beta2"),
    ("batch/v1", "CronJob"): ("batch/v1beta1", "batch/v2alpha1"),
    ("v1", "Event"): ("events.k8s.io/v1", "events.k8s.io/v1beta1"),
    ("networking.k8s.io/v1", "IPAddress"): ("networking.k8s.io/v1alpha1", "networking.k8s.io/v1beta1"),
    ("networking.k8s.io/v1", "Ingress"): ("extensions/v1beta1", "networking.k8s.io/v1beta1"),
    ("networking.k8s.io/v1", "IngressClass"): ("networking.k8s.io/v1beta1",),
    ("networking.k8s.io/v1", "NetworkPolicy"): ("extensions/v1beta1",),
    ("networking.k8s.io/v1", "ServiceCIDR"): ("networking.k8s.io/v1alpha1", "networking.k8s.io/v1beta1"),
    ("policy/v1", "PodDisruptionBudget"): ("policy/v1beta1",),
    ("rbac.authorization.k8s.io/v1", "ClusterRole"): _RBAC_OLD,
    ("rbac.authorization.k8s.io/v1", "ClusterRoleBinding"): _RBAC_OLD,
    ("rbac.authorization.k8s.io/v1", "Role"): _RBAC_OLD,
    ("rbac.authorization.k8s.io/v1", "RoleBinding"): _RBAC_OLD,
}


def typed_aliases(api_version: str, kind: str) -> list[str]:
    """The type tokens the typed class for this kind lists as aliases, in its order ([] for others)."""
    return [f"kubernetes:{old}:{kind}" for old in OLD_API_VERSIONS.get((api_version, kind), ())]
