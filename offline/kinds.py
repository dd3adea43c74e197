"""What the Kubernetes provider knows about kinds without a cluster: scope, type tokens, object identity.

Lists from pulumi/pulumi-kubernetes `provider/pkg/kinds/kinds.go` (`Kind.Namespaced`, read at commit
94977969d64112b04e19945818a7d5d5f38f631d): a kind not listed is scoped by a CustomResourceDefinition in
the same set, or unknown offline.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

NAMESPACED_KINDS = frozenset(
    {
        "Binding", "ConfigMap", "ControllerRevision", "CronJob", "CSIStorageCapacity", "DaemonSet", "Deployment",
        "Endpoints", "EndpointSlice", "Event", "HorizontalPodAutoscaler", "Ingress", "Job", "Lease", "LimitRange",
        "NetworkPolicy", "PersistentVolumeClaim", "Pod", "PodDisruptionBudget", "PodTemplate", "ReplicaSet",
        "ReplicationController", "ResourceQuota", "Role", "RoleBinding", "Secret", "Service", "ServiceAccount",
        "StatefulSet",
    }
)  # fmt: skip
CLUSTER_KINDS = frozenset(
    {
        "APIService", "CertificateSigningRequest", "ClusterRole", "ClusterRoleBinding", "CSIDriver", "CSINode",
        "CustomResourceDefinition", "FlowSchema", "IngressClass", "MutatingWebhookConfiguration", "Namespace", "Node",
        "PersistentVolume", "PodSecurityPolicy", "PriorityClass", "PriorityLevelConfiguration", "RuntimeClass",
        "StorageClass", "ValidatingWebhookConfiguration", "VolumeAttachment",
    }
)  # fmt: skip
# The provider's default namespace when neither provider config nor kubeconfig names one (client-go default).
DEFAULT_NAMESPACE = "default"
CRD_KIND = "CustomResourceDefinition"


def group_of(api_version: str) -> str:
    """`apps/v1` -> `apps`; `v1` and `core/v1` -> `` (the core group)."""
    group = api_version.rpartition("/")[0]
    return "" if group == "core" else group


def type_token(api_version: str, kind: str) -> str:
    """The resource type the provider registers an object as: `kubernetes:core/v1:ConfigMap`, ..."""
    if "/" not in api_version or api_version.startswith("core/"):
        return f"kubernetes:core/{api_version.rpartition('/')[2]}:{kind}"
    return f"kubernetes:{api_version}:{kind}"


def crd_scopes(objects: list[dict[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) -> namespaced, for every CustomResourceDefinition among `objects`."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if obj.get("kind") == CRD_KIND:
            spec = obj.get("spec") or {}
            kind = (spec.get("names") or {}).get("kind", "")
            scopes[(str(spec.get("group", "")), str(kind))] = spec.get("scope") == "Namespaced"
    return scopes


def is_namespaced(api_version: str, kind: str, crds: dict[tuple[str, str], bool]) -> bool | None:
    """True/False when known (built-in kind or a CRD in the set), None when only a cluster could tell."""
    kind = kind.removesuffix("Patch")
    if kind in NAMESPACED_KINDS:
        return True
    if kind in CLUSTER_KINDS:
        return False
    return crds.get((group_of(api_version), kind))


@dataclass(frozen=True, order=True)
class ObjectId:
    """One live Kubernetes object: the API version is not part of it (apps/v1 and apps/v1beta2 are one object)."""

    group: str
    kind: str
    namespace: str
    name: str

    def __str__(self) -> str:
        where = f"{self.namespace}/{self.name}" if self.namespace else self.name
        return f"{self.kind} {where}"


def object_id(props: dict[str, Any], default_namespace: str = DEFAULT_NAMESPACE) -> ObjectId | None:
    """The object a manifest's inputs name, or None when the provider would generate the name."""
    api_version, kind = props.get("apiVersion"), props.get("kind")
    metadata = props.get("metadata") or {}
    name = metadata.get("name") if isinstance(metadata, dict) else None
    if not (isinstance(api_version, str) and isinstance(kind, str) and isinstance(name, str) and name):
        return None
    namespace = str(metadata.get("namespace") or "")
    if not namespace and is_namespaced(api_version, kind, {}) is not False:
        namespace = default_namespace  # the provider applies its default namespace to namespaced kinds
    return ObjectId(group_of(api_version), kind, namespace, name)
