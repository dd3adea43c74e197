"""The Kubernetes provider's `Diff`, offline: which fields changed, which force a replacement, and whether
the replacement deletes the old object first.

Source: pulumi/pulumi-kubernetes at commit 94977969d64112b04e19945818a7d5d5f38f631d —
`provider/pkg/provider/diff.go` (`forceNewProperties` and the `forceNew` table, copied below field for
field) and `provider/pkg/provider/provider.go` (`Diff`: `.metadata.name`/`.metadata.namespace` always
force a replacement, Patch kinds only those; ignoreChanges paths dropped from the detailed diff; delete
before replace when the object is named by the user and keeps its name and namespace; `convertPatchToDiff`:
maps compared key by key, lists index by index, a change forces replacement when a listed path is found
in the changed value). The provider compares the new inputs with the live object pruned to the old
inputs; offline there is no live object, so the old inputs stand in for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import yaml
from pulumi.runtime import rpc

from offline import kinds
from offline.propertypath import WILDCARD, Token, contains, format_path, parse

MISSING: Any = type("Missing", (), {"__repr__": lambda self: "(absent)"})()


def _fields(text: str) -> tuple[str, ...]:
    return tuple(text.split())


_LABEL_SELECTOR = _fields(
    ".matchExpressions .matchExpressions.key .matchExpressions.operator .matchExpressions.values .matchLabels"
)


def _selector(prefix: str) -> tuple[str, ...]:
    return tuple(prefix + s for s in _LABEL_SELECTOR)


def _containers(*prefixes: str) -> tuple[str, ...]:
    fields = _fields(
        ".args .command .env .env.value .image .imagePullPolicy .lifecycle .livenessProbe .ports .readinessProbe "
        ".resources .securityContext .stdin .stdinOnce .terminationMessagePath .terminationMessagePolicy .tty "
        ".volumeDevices .volumeMounts .workingDir"
    )
    return tuple(prefix + f for prefix in prefixes for f in fields)


_DEPLOYMENT = (".spec.selector", *_selector(".spec.selector"))
_JOB = (*_fields(".spec.completions .spec.parallelism .spec.selector .spec.template"), *_selector(".spec.selector"))
_STATEFUL_SET = (
    *_fields(".spec.podManagementPolicy .spec.revisionHistoryLimit .spec.selector .spec.serviceName "
             ".spec.volumeClaimTemplates"),
    *_selector(".spec.selector"),
)  # fmt: skip
_ROLE_BINDING: tuple[str, ...] = (".roleRef",)
_POD = (
    *_fields(
        ".spec.affinity .spec.automountServiceAccountToken .spec.dnsConfig .spec.dnsPolicy .spec.enableServiceLinks "
        ".spec.hostAliases .spec.hostIPC .spec.hostNetwork .spec.hostPID .spec.hostname .spec.imagePullSecrets "
        ".spec.nodeName .spec.nodeSelector .spec.overhead .spec.preemptionPolicy .spec.priority "
        ".spec.priorityClassName .spec.readinessGates .spec.restartPolicy .spec.runtimeClassName "
        ".spec.schedulerName .spec.securityContext .spec.serviceAccount .spec.serviceAccountName "
        ".spec.shareProcessNamespace .spec.subdomain .spec.terminationGracePeriodSeconds .spec.volumes"
    ),
    *_containers(".spec.containers[*]", ".spec.initContainers[*]"),
)
_PV_SOURCES = _fields(
    "awsElasticBlockStore azureDisk azureFile cephfs cinder csi fc flexVolume flocker gcePersistentDisk glusterfs "
    "hostPath iscsi local nfs photonPersistentDisk portworxVolume quobyte rbd scaleIO storageos vsphereVolume"
)
_CORE_V1: dict[str, tuple[str, ...]] = {
    "PersistentVolume": tuple(f".spec.{s}" for s in _PV_SOURCES),
    "PersistentVolumeClaim": (
        *_fields(".spec.accessModes .spec.selector .spec.storageClassName .spec.volumeName"),
        *_selector(".spec.selector"),
    ),
    "Pod": _POD,
    "ResourceQuota": (".spec.scopes",),
    "Secret": (".type",),
    "Service": (".spec.clusterIP",),
}
Fields = tuple[str, ...]
_APPS: dict[str, Fields] = {"DaemonSet": _DEPLOYMENT, "Deployment": _DEPLOYMENT, "StatefulSet": _STATEFUL_SET}
_RBAC: dict[str, Fields] = {"ClusterRoleBinding": _ROLE_BINDING, "RoleBinding": _ROLE_BINDING}
# group -> version -> kind -> fields whose change replaces the object (diff.go's `forceNew`).
FORCE_NEW: dict[str, dict[str, dict[str, Fields]]] = {
    "apps": {"v1beta1": {"StatefulSet": _STATEFUL_SET}, "v1beta2": _APPS, "v1": _APPS},
    "": {"v1": _CORE_V1},  # the core group, listed by the provider as both "core" and ""
    "policy": {"v1beta1": {"PodDisruptionBudget": _fields(".spec")}},
    "rbac.authorization.k8s.io": {"v1alpha1": _RBAC, "v1beta1": _RBAC, "v1": _RBAC},
    "storage.k8s.io": {"v1": {"StorageClass": _fields(".parameters .provisioner")}},
    "batch": {"v1beta1": {"Job": _JOB}, "v1": {"Job": _JOB}, "v2alpha1": {"Job": _JOB}},
}
IDENTITY_FIELDS = (".metadata.name", ".metadata.namespace")
# Unless the provider's enableSecretMutable / enableConfigMapMutable is on (or the object is `immutable`),
# changing a Secret's or ConfigMap's contents replaces it (forceNewProperties).
SECRET_CONTENT = (".type", ".stringData", ".data")
CONFIG_MAP_CONTENT = (".binaryData", ".data")
AUTONAMED_ANNOTATION = "pulumi.com/autonamed"


@dataclass(frozen=True)
class ProviderConfig:
    """The default provider's settings that change how it diffs (stack config `kubernetes:*`)."""

    enable_secret_mutable: bool = False
    enable_config_map_mutable: bool = False
    default_namespace: str = kinds.DEFAULT_NAMESPACE
    # The default provider's inputs: the stack's `kubernetes:*` config (what a resource without an explicit
    # provider is managed with).
    default_inputs: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_config(cls, config: dict[str, str]) -> ProviderConfig:
        return cls(
            enable_secret_mutable=config.get("kubernetes:enableSecretMutable", "").lower() == "true",
            enable_config_map_mutable=config.get("kubernetes:enableConfigMapMutable", "").lower() == "true",
            default_namespace=config.get("kubernetes:namespace") or kinds.DEFAULT_NAMESPACE,
            default_inputs={k.split(":", 1)[1]: v for k, v in config.items() if k.startswith("kubernetes:")},
        )


def force_new_paths(props: dict[str, Any], provider: ProviderConfig) -> tuple[str, ...]:
    """`forceNewProperties(obj)`: the fields whose change replaces this object."""
    api_version, kind = str(props.get("apiVersion", "")), str(props.get("kind", ""))
    if kind.endswith("Patch"):
        return IDENTITY_FIELDS  # Patch resources update every other field in place
    group, version = kinds.group_of(api_version), api_version.rpartition("/")[2]
    known = FORCE_NEW.get(group, {}).get(version)
    if known is None:
        return IDENTITY_FIELDS
    immutable = props.get("immutable") is True
    if group == "" and kind == "Secret" and (not provider.enable_secret_mutable or immutable):
        return IDENTITY_FIELDS + SECRET_CONTENT
    if kind in known:
        return IDENTITY_FIELDS + known[kind]
    if group == "" and kind == "ConfigMap" and (not provider.enable_config_map_mutable or immutable):
        return IDENTITY_FIELDS + CONFIG_MAP_CONTENT
    return IDENTITY_FIELDS


@dataclass(frozen=True)
class Change:
    path: tuple[Token, ...]
    before: Any  # MISSING when added
    after: Any  # MISSING when removed
    replaces: bool = False

    @property
    def key(self) -> str:
        return format_path(self.path)


def _same(a: Any, b: Any) -> bool:
    """Equal, counting 3 and 3.0 as one number (the provider's equalNumbers)."""
    numbers = (int, float)
    if isinstance(a, numbers) and isinstance(b, numbers) and not isinstance(a, bool) and not isinstance(b, bool):
        return float(a) == float(b)
    return bool(a == b)


def detailed_diff(before: Any, after: Any, path: tuple[Token, ...] = ()) -> list[Change]:
    """Changed leaves: maps key by key, lists index by index, anything else as one value."""
    if isinstance(before, dict) and isinstance(after, dict):
        out: list[Change] = []
        for key in list(before) + [k for k in after if k not in before]:
            out += detailed_diff(before.get(key, MISSING), after.get(key, MISSING), (*path, key))
        return out
    if isinstance(before, list) and isinstance(after, list):
        out = []
        for i in range(max(len(before), len(after))):
            b = before[i] if i < len(before) else MISSING
            a = after[i] if i < len(after) else MISSING
            out += detailed_diff(b, a, (*path, i))
        return out
    if before is MISSING and after is MISSING:
        return []
    return [] if _same(before, after) else [Change(path, before, after)]


def _found_in(value: Any, rest: tuple[Token, ...]) -> bool:
    """Whether the JSONPath remainder `rest` resolves inside `value` (`*` over list items)."""
    if not rest:
        return True
    head, tail = rest[0], rest[1:]
    if isinstance(value, list):
        return head == WILDCARD and any(_found_in(v, tail) for v in value)
    return isinstance(value, dict) and head in value and _found_in(value[head], tail)


def forces_replacement(change: Change, force_new: tuple[str, ...]) -> bool:
    """`PatchPropertiesChanged(makePatchSlice(path, value), forceNew)` for one changed leaf."""
    for force_path in force_new:
        pattern = parse(force_path.lstrip("."))
        if contains(pattern, change.path):
            return True
        head = pattern[: len(change.path)]
        if len(pattern) > len(change.path) and contains(head, change.path):
            if change.after is not MISSING and _found_in(change.after, pattern[len(change.path) :]):
                return True
    return False


def _normalized(props: dict[str, Any], provider: ProviderConfig) -> dict[str, Any]:
    """Namespaced kinds get the default namespace when none is set; cluster-scoped kinds none (as Diff does)."""
    metadata = dict(props.get("metadata") or {})
    namespaced = kinds.is_namespaced(str(props.get("apiVersion", "")), str(props.get("kind", "")), {})
    if namespaced is False:
        metadata.pop("namespace", None)
    elif not metadata.get("namespace"):
        metadata["namespace"] = provider.default_namespace
    return {**props, "metadata": metadata}


@dataclass(frozen=True)
class ProviderDiff:
    changes: list[Change]
    delete_before_replace: bool

    @property
    def replaces(self) -> list[Change]:
        return [c for c in self.changes if c.replaces]


def diff(old: dict[str, Any], new: dict[str, Any], ignore: list[str], provider: ProviderConfig) -> ProviderDiff:
    """`Diff` of one Kubernetes object: changes (ignored paths dropped), and the replacement strategy."""
    old_n, new_n = _normalized(old, provider), _normalized(new, provider)
    force_new = force_new_paths(new_n, provider)
    ignored = [parse(p) for p in ignore]
    changes = [
        Change(c.path, c.before, c.after, forces_replacement(c, force_new))
        for c in detailed_diff(old_n, new_n)
        if not any(contains(p, c.path) for p in ignored)
    ]
    old_meta, new_meta = old_n["metadata"], new_n["metadata"]
    named = bool(new_meta.get("name")) and AUTONAMED_ANNOTATION not in (new_meta.get("annotations") or {})
    delete_first = (
        any(c.replaces for c in changes)
        and named
        and new_meta.get("name") == old_meta.get("name")
        and new_meta.get("namespace") == old_meta.get("namespace")
    )
    return ProviderDiff(changes, delete_first)


PROVIDER_TYPE = "pulumi:providers:kubernetes"
CLUSTER_KEYS = ("kubeconfig", "context", "cluster")


def _active_cluster(config: dict[str, Any]) -> Any:
    """The active cluster entry of an explicit kubeconfig (with `context`/`cluster` overrides), or None when the
    provider would read the ambient kubeconfig, which only the machine running `pulumi up` has."""
    text = config.get("kubeconfig")
    if not isinstance(text, str) or not text.strip():
        return None
    try:
        document = yaml.safe_load(text)
    except yaml.YAMLError:
        return None
    if not isinstance(document, dict):
        return None
    context_name = config.get("context") or document.get("current-context")
    contexts = {c.get("name"): c.get("context") or {} for c in document.get("contexts") or [] if isinstance(c, dict)}
    cluster_name = config.get("cluster") or contexts.get(context_name, {}).get("cluster")
    clusters = {c.get("name"): c.get("cluster") for c in document.get("clusters") or [] if isinstance(c, dict)}
    return clusters.get(cluster_name)


def provider_replaces(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """The Kubernetes provider's `DiffConfig` (provider.go): the config keys whose change replaces the provider,
    and with it every resource it manages. The same `clusterIdentifier` on both sides means no replacement; an
    unknown kubeconfig, context or cluster means one; so does a change of renderYamlToDirectory or of the
    active cluster of an explicit kubeconfig."""
    if old == new:
        return []
    if new.get("clusterIdentifier") and old.get("clusterIdentifier") == new.get("clusterIdentifier"):
        return []
    replaces = ["clusterIdentifier"] if old.get("clusterIdentifier") and new.get("clusterIdentifier") else []
    unknown = [k for k in CLUSTER_KEYS if new.get(k) == rpc.UNKNOWN]
    if unknown:
        return [*replaces, unknown[0]]
    if old.get("renderYamlToDirectory") != new.get("renderYamlToDirectory"):
        replaces.append("renderYamlToDirectory")
    before, after = _active_cluster(old), _active_cluster(new)
    if before is not None and after is not None and before != after:
        replaces += [k for k in CLUSTER_KEYS if old.get(k) != new.get(k)]
    return replaces
