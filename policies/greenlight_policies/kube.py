"""Reading Kubernetes objects out of resource props: kinds, pod specs, containers, label selectors.

The analyzer hands props as read-only proxies (Mapping / Sequence) that raise on unknown values;
`plain()` turns them into dicts and lists once, so rules are plain functions over plain data.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import proxy as policy_proxy

KUBERNETES_PREFIX = "kubernetes:"
HELM_CHART_TYPES = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Chart")

# The workload kinds one rule is written over; where each keeps its pod spec.
POD_SPEC_PATHS: dict[str, tuple[str, ...]] = {
    "Deployment": ("spec", "template", "spec"),
    "StatefulSet": ("spec", "template", "spec"),
    "DaemonSet": ("spec", "template", "spec"),
    # Rarely registered by hand, but they run pods as surely as a Deployment: judged the same way.
    "ReplicaSet": ("spec", "template", "spec"),
    "ReplicationController": ("spec", "template", "spec"),
    "Job": ("spec", "template", "spec"),
    "CronJob": ("spec", "jobTemplate", "spec", "template", "spec"),
    "Pod": ("spec",),
}
WORKLOAD_KINDS = tuple(POD_SPEC_PATHS)
RUN_TO_COMPLETION_KINDS = ("Job", "CronJob")  # no probes expected: they are meant to exit
SCALABLE_KINDS = ("Deployment", "StatefulSet", "ReplicaSet", "ReplicationController")
UNMANAGED_REPLICA_KINDS = ("ReplicaSet", "ReplicationController")  # no rollout, no rollback: a Deployment's job
# Kubernetes defaults that matter when a field is left out (apps/v1 API reference).
DEFAULT_REPLICAS = 1
DEFAULT_REVISION_HISTORY_LIMIT = 10
DEFAULT_NAMESPACE = "default"
DEFAULT_SERVICE_ACCOUNT = "default"  # what the ServiceAccount admission plugin gives a pod that names none


# Pulumi's sentinels for values not known until `pulumi up`.
UNKNOWN_VALUES = frozenset(
    getattr(policy_proxy, name) for name in dir(policy_proxy) if name.startswith("UNKNOWN_") and name.endswith("_VALUE")
)


def is_unknown(value: Any) -> bool:
    return isinstance(value, str) and value in UNKNOWN_VALUES


def _target(value: Any) -> Any:
    """The raw value behind a pulumi_policy proxy, so reading an unknown leaf does not abort the rule."""
    try:
        return value["__target"]
    except (KeyError, TypeError, IndexError):
        return value


def plain(value: Any) -> Any:
    """Proxies -> dicts and lists; unknown leaves stay as Pulumi's sentinel strings (see is_unknown)."""
    value = _target(value)
    if isinstance(value, Mapping):
        return {str(k): plain(value[k]) for k in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [plain(v) for v in value]
    return value


def dig(obj: Any, *path: str) -> Any:
    """obj[path[0]][path[1]]... or None where a step is missing."""
    for key in path:
        if not isinstance(obj, Mapping):
            return None
        obj = obj.get(key)
    return obj


def kind_of(resource_type: str) -> str:
    """`kubernetes:apps/v1:Deployment` -> `Deployment`; "" for non-Kubernetes types."""
    if not resource_type.startswith(KUBERNETES_PREFIX) or resource_type in HELM_CHART_TYPES:
        return ""
    return resource_type.rsplit(":", 1)[-1]


def group_of(resource_type: str) -> str:
    """`kubernetes:postgresql.cnpg.io/v1:Cluster` -> `postgresql.cnpg.io` ("core" for the core group)."""
    middle = resource_type.split(":")[1] if resource_type.count(":") >= 2 else ""
    return middle.split("/")[0]


def rendered_by_chart(urn: str) -> bool:
    """Objects a Helm chart renders are the chart vendor's; greenlight judges the chart's values instead."""
    qualified_type = urn.split("::")[2] if urn.count("::") >= 3 else ""
    parents = qualified_type.split("$")[:-1]
    return any(t in HELM_CHART_TYPES for t in parents)


def chart_name(props: Mapping[str, Any]) -> str:
    """`oci://ghcr.io/grafana/helm-charts/loki` or `grafana/loki` -> `loki`."""
    return str(props.get("chart") or "").rstrip("/").rsplit("/", 1)[-1]


def image_repository(image: str) -> str:
    """`ghcr.io/acme/web:1.2@sha256:..` -> `web` (the last path segment without tag or digest)."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[0]


@dataclass(frozen=True)
class Workload:
    """A workload of any kind, seen through its pod spec."""

    kind: str
    name: str
    namespace: str
    labels: dict[str, str]
    spec: dict[str, Any]
    pod_spec: dict[str, Any]
    pod_labels: dict[str, str] = field(default_factory=dict)

    def containers(self, include_init: bool = True) -> Iterator[dict[str, Any]]:
        init = (self.pod_spec.get("initContainers") or []) if include_init else []
        yield from (c for c in [*init, *(self.pod_spec.get("containers") or [])] if isinstance(c, dict))

    @property
    def long_running(self) -> bool:
        return self.kind not in RUN_TO_COMPLETION_KINDS

    @property
    def service_account(self) -> str:
        """The pod's ServiceAccount (serviceAccount is the deprecated alias of serviceAccountName)."""
        named = self.pod_spec.get("serviceAccountName") or self.pod_spec.get("serviceAccount")
        return str(named or DEFAULT_SERVICE_ACCOUNT)


def workload(resource_type: str, name: str, props: Any) -> Workload | None:
    """The Workload view of a resource, or None when it is not one of WORKLOAD_KINDS."""
    kind = kind_of(resource_type)
    if kind not in POD_SPEC_PATHS:
        return None
    data = props if isinstance(props, dict) else plain(props)  # plain already when it comes from a view
    template_path = POD_SPEC_PATHS[kind][:-1]
    metadata = data.get("metadata") or {}
    template_meta = dig(data, *template_path, "metadata") if kind != "Pod" else metadata
    return Workload(
        kind=kind,
        name=str(metadata.get("name") or name),
        namespace=str(metadata.get("namespace") or DEFAULT_NAMESPACE),
        labels=dict(metadata.get("labels") or {}),
        spec=dict(data.get("spec") or {}),
        pod_spec=dict(dig(data, *POD_SPEC_PATHS[kind]) or {}),
        pod_labels=dict((template_meta or {}).get("labels") or {}),
    )


def selector_matches(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A LabelSelector (matchLabels + matchExpressions) against labels; an empty selector matches nothing here."""
    if not selector:
        return False
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return False
    if any(labels.get(k) != v for k, v in match_labels.items()):
        return False
    for expr in expressions:
        key, operator, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        present = key in labels
        if operator == "In" and (not present or labels[key] not in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True


def budget_selects(resource_type: str, selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """A PodDisruptionBudget's selector against a pod's labels (same namespace: the caller checks).

    policy/v1 PodDisruptionBudgetSpec.selector: "A null selector selects no pods. An empty selector ({})
    also selects no objects in policy/v1beta1, whereas in policy/v1 an empty selector matches every pod
    in the namespace" (k8s.io/api/policy/v1/types.go)."""
    if isinstance(selector, Mapping) and not selector.get("matchLabels") and not selector.get("matchExpressions"):
        return ":policy/v1beta1:" not in resource_type
    return selector_matches(selector, labels)


def service_selects(service_selector: Mapping[str, str] | None, pod_labels: Mapping[str, str]) -> bool:
    """A Service's plain map selector against pod labels (an empty selector selects no pods)."""
    return bool(service_selector) and all(pod_labels.get(k) == v for k, v in (service_selector or {}).items())
