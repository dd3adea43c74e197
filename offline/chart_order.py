"""Namespaces and registration order of a chart's objects, as pulumi-kubernetes' yaml/v2 decides them.

Order: sigs.k8s.io/cli-utils pkg/object/graph (DependencyGraph, Sort, HydrateSetList): edges from a custom
resource to its CRD, from a namespaced object to its Namespace, and from `config.kubernetes.io/depends-on`;
objects register level by level, each level sorted by pkg/ordering (kind order, then namespace, then name).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

CRD_KIND = ("apiextensions.k8s.io", "CustomResourceDefinition")
DEPENDS_ON_ANNOTATION = "config.kubernetes.io/depends-on"
# cli-utils pkg/ordering: kinds applied first, in this order; ValidatingWebhookConfiguration last.
KIND_ORDER_FIRST = (
    ("", "Namespace"),
    ("", "ResourceQuota"),
    ("storage.k8s.io", "StorageClass"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("", "ServiceAccount"),
    ("extensions", "PodSecurityPolicy"),
    ("policy", "PodSecurityPolicy"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("", "ConfigMap"),
    ("", "Secret"),
    ("", "Service"),
    ("", "LimitRange"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("extensions", "Deployment"),
    ("apps", "Deployment"),
    ("apps", "StatefulSet"),
    ("batch", "CronJob"),
    ("policy", "PodDisruptionBudget"),
)
KIND_ORDER_LAST = (("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),)
# Built-in cluster-scoped kinds (Kubernetes API reference); every other built-in kind is namespaced.
CLUSTER_SCOPED = frozenset(
    {
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("", "ComponentStatus"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("node.k8s.io", "RuntimeClass"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("policy", "PodSecurityPolicy"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
    }
)
BUILTIN_GROUPS = frozenset(
    {"", "apps", "batch", "autoscaling", "policy", "networking.k8s.io", "rbac.authorization.k8s.io", "storage.k8s.io"}
    | {"coordination.k8s.io", "discovery.k8s.io", "events.k8s.io", "node.k8s.io", "scheduling.k8s.io"}
    | {"admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io", "certificates.k8s.io"}
    | {"flowcontrol.apiserver.k8s.io", "resource.k8s.io", "storagemigration.k8s.io"}
)


def group_kind(obj: dict[str, Any]) -> tuple[str, str]:
    api_version = str(obj.get("apiVersion", ""))
    return (api_version.split("/")[0] if "/" in api_version else "", str(obj.get("kind", "")))


def is_crd(obj: dict[str, Any]) -> bool:
    return group_kind(obj) == CRD_KIND


def crd_group_kind(crd: dict[str, Any]) -> tuple[str, str]:
    spec = crd.get("spec") or {}
    return (str(spec.get("group", "")), str((spec.get("names") or {}).get("kind", "")))


def api_versions(crds: list[dict[str, Any]]) -> list[str]:
    """`group/version` of every served CRD version: what Capabilities.APIVersions.Has sees once they are installed."""
    found = {
        f"{(crd.get('spec') or {}).get('group')}/{v.get('name')}"
        for crd in crds
        for v in (crd.get("spec") or {}).get("versions") or []
        if v.get("served", True)
    }
    return sorted(found)


def namespaced(obj: dict[str, Any], crds: list[dict[str, Any]]) -> bool | None:
    """Whether the object's kind is namespaced; None when neither a built-in kind nor a known CRD says."""
    gk = group_kind(obj)
    if gk[0] in BUILTIN_GROUPS:
        return gk not in CLUSTER_SCOPED
    for crd in crds:
        if crd_group_kind(crd) == gk:
            return (crd.get("spec") or {}).get("scope") == "Namespaced"
    return None


def default_namespaces(objects: list[dict[str, Any]], namespace: str, crds: list[dict[str, Any]]) -> set[str]:
    """Gives namespaced objects without one the release namespace; returns the kinds whose scope is unknown."""
    unresolved: set[str] = set()
    for obj in objects:
        meta = obj["metadata"]
        if meta.get("namespace"):
            continue
        scoped = namespaced(obj, crds)
        if scoped is None:
            unresolved.add(f"{obj['apiVersion']}/{obj['kind']}")
        elif scoped:
            meta["namespace"] = namespace
    return unresolved


def _kind_rank(gk: tuple[str, str]) -> int:
    if gk in KIND_ORDER_FIRST:
        return KIND_ORDER_FIRST.index(gk) - len(KIND_ORDER_FIRST)
    return 1 + KIND_ORDER_LAST.index(gk) if gk in KIND_ORDER_LAST else 0


def _sort_key(obj: dict[str, Any]) -> tuple[int, str, str, str, str]:
    gk = group_kind(obj)
    meta = obj["metadata"]
    return (_kind_rank(gk), gk[0], gk[1], str(meta.get("namespace") or ""), str(meta["name"]))


def _identity(group: str, kind: str, namespace: str, name: str) -> tuple[str, str, str, str]:
    return (group, kind, namespace, name)


def _depends_on_annotation(obj: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """`group/namespaces/ns/kind/name` or `group/kind/name`, comma separated (cli-utils dependson)."""
    text = str((obj["metadata"].get("annotations") or {}).get(DEPENDS_ON_ANNOTATION) or "")
    refs = []
    for ref in filter(None, (part.strip() for part in text.split(","))):
        parts = ref.split("/")
        if len(parts) == 5 and parts[1] == "namespaces":
            refs.append(_identity(parts[0], parts[3], parts[2], parts[4]))
        elif len(parts) == 3:
            refs.append(_identity(parts[0], parts[1], "", parts[2]))
    return refs


def _edges(objects: list[dict[str, Any]]) -> dict[int, set[int]]:
    ids = {_identity(*group_kind(o), str(o["metadata"].get("namespace") or ""), str(o["metadata"]["name"])): i
           for i, o in enumerate(objects)}  # fmt: skip
    crd_of = {crd_group_kind(o): i for i, o in enumerate(objects) if is_crd(o)}
    namespace_of = {str(o["metadata"]["name"]): i for i, o in enumerate(objects) if group_kind(o) == ("", "Namespace")}
    edges: dict[int, set[int]] = {i: set() for i in range(len(objects))}
    for i, obj in enumerate(objects):
        if group_kind(obj) in crd_of:
            edges[i].add(crd_of[group_kind(obj)])
        namespace = obj["metadata"].get("namespace")
        if namespace and namespace in namespace_of:
            edges[i].add(namespace_of[namespace])
        edges[i] |= {ids[ref] for ref in _depends_on_annotation(obj) if ref in ids}
        edges[i].discard(i)
    return edges


def registration_order(objects: list[dict[str, Any]]) -> Iterator[tuple[int, list[int]]]:
    """(index, indexes it depends on) in the order the provider registers them; a cycle keeps input order."""
    edges = _edges(objects)
    remaining = dict(edges)
    while remaining:
        level = [i for i, deps in remaining.items() if not deps & remaining.keys()]
        if not level:  # a cycle: cli-utils reports it; register the rest without waiting
            level = list(remaining)
        for i in sorted(level, key=lambda i: _sort_key(objects[i])):
            yield i, sorted(edges[i], key=lambda d: _sort_key(objects[d]))
        for i in level:
            del remaining[i]
