"""The one fix safe enough to apply automatically: stamping app.kubernetes.io/managed-by=pulumi.

Pulumi does manage every object it registers, so the label can only make the object more truthful.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import ResourceValidationArgs, Severity

from greenlight_policies.kube import kind_of
from greenlight_policies.metadata import labels_of
from greenlight_policies.registry import Meta, resource_policy
from greenlight_policies.stackview import Obj

MANAGED_BY_LABEL = "app.kubernetes.io/managed-by"
MANAGED_BY = "pulumi"


def _unstamped(kind: str, props: Any) -> bool:
    if not kind:
        return False
    labels = labels_of(props)
    return labels is not None and labels.get(MANAGED_BY_LABEL) != MANAGED_BY


def missing_managed_by(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    if _unstamped(resource.kind, resource.props):
        yield f"{resource.kind} {resource.resource_name}: set the label {MANAGED_BY_LABEL}={MANAGED_BY}."


def stamp_managed_by(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """New props with the label set; nested values stay proxies so secrets remain secret."""
    if not _unstamped(kind_of(args.resource_type), args.props):
        return None
    props = dict(args.props)
    metadata = dict(props.get("metadata") or {})
    metadata["labels"] = {**dict(metadata.get("labels") or {}), MANAGED_BY_LABEL: MANAGED_BY}
    props["metadata"] = metadata
    return props


POLICIES = [
    resource_policy(
        Meta(
            "managed-by-label",
            "Checks that Kubernetes objects are labelled app.kubernetes.io/managed-by=pulumi.",
            Severity.LOW,
            "Add the label app.kubernetes.io/managed-by: pulumi (standard_labels does); with the policy at "
            "enforcement level 'remediate' the pack adds it for you.",
        ),
        missing_managed_by,
        remediate=stamp_managed_by,
    ),
]
