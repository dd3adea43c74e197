"""Label rules: the recommended app.kubernetes.io labels plus team and cost-center on every object.

Cost tools (OpenCost, Kubecost) allocate spend by pod labels, so workloads carry team and cost-center
on their pod template as well as on the object itself.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity
from pulumi_policy.proxy import UnknownValueError

from greenlight_policies.kube import is_unknown, plain
from greenlight_policies.registry import Meta, resource_policy
from greenlight_policies.stackview import Obj

# https://kubernetes.io/docs/concepts/overview/working-with-objects/common-labels/ (managed-by has its own,
# remediating policy) + the ownership labels cost reports group by.
RECOMMENDED_LABELS = (
    "app.kubernetes.io/name",
    "app.kubernetes.io/instance",
    "app.kubernetes.io/version",
    "app.kubernetes.io/component",
    "app.kubernetes.io/part-of",
    "team",
    "cost-center",
)
POD_COST_LABELS = ("team", "cost-center")


def labels_of(props: Any) -> dict[str, str] | None:
    """The object's labels ({} when unlabelled), None when the props carry no metadata at all.

    Metadata or labels not known until the update cannot be judged: UnknownValueError, which the
    servicer reports as "can't run policy during preview" (as the SDK's proxies do when read).
    """
    if not isinstance(props, Mapping) or "metadata" not in props:
        return None
    metadata = props.get("metadata")
    _known(metadata, "metadata")
    labels = (metadata or {}).get("labels")
    _known(labels, "metadata", "labels")
    # A dict when it comes from a view (plain already); the SDK's proxies otherwise.
    return dict(labels) if isinstance(labels, dict) else dict(plain(labels or {}))


def _known(value: Any, *path: str) -> None:
    if is_unknown(value):
        raise UnknownValueError(value, list(path))


def missing_labels(resource: Obj, config: Mapping[str, Any]) -> Iterator[str]:
    kind = resource.kind
    labels = labels_of(resource.props) if kind else None
    if labels is None:
        return
    required = list(config.get("labels", RECOMMENDED_LABELS))
    missing = [label for label in required if not labels.get(label)]
    if missing:
        yield f"{kind} {resource.resource_name}: add the labels {', '.join(missing)}."
    found = resource.workload
    if found and found.kind != "Pod":
        absent = [label for label in POD_COST_LABELS if label in required and not found.pod_labels.get(label)]
        if absent:
            where = f"{kind} {resource.resource_name}"
            yield f"{where}: add {', '.join(absent)} to the pod template labels (cost allocation)."


POLICIES = [
    resource_policy(
        Meta(
            "recommended-labels",
            "Checks that Kubernetes objects carry the recommended app.kubernetes.io labels plus team and "
            "cost-center (cost monitoring).",
            Severity.LOW,
            "Build labels with components.objects.meta.standard_labels(owner, name, component, version): it sets "
            "app.kubernetes.io/{name,instance,version,component,part-of,managed-by}, team and cost-center.",
            {
                "labels": {
                    "type": "array",
                    "items": {"type": "string"},
                    "default": list(RECOMMENDED_LABELS),
                    "description": "labels every object must carry",
                }
            },
        ),
        missing_labels,
    ),
]
