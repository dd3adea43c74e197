"""greenlight's CrossGuard rules: plain functions over resource props, one policy per rule."""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

PACK_NAME = "greenlight-readiness"
REQUIRED_LABELS = ("team", "cost-center")


def _missing_labels(args: ResourceValidationArgs, report: ReportViolation) -> None:
    if not args.resource_type.startswith("kubernetes:") or "metadata" not in args.props:
        return
    labels: dict[str, Any] = (args.props.get("metadata") or {}).get("labels") or {}
    missing = [label for label in REQUIRED_LABELS if not labels.get(label)]
    if missing:
        report(f"Add the labels {', '.join(missing)} so costs and ownership can be traced.")


required_labels = ResourceValidationPolicy(
    name="required-labels",
    description="Checks that every Kubernetes object carries the team and cost-center labels.",
    validate=_missing_labels,
    enforcement_level=EnforcementLevel.MANDATORY,
)


def build_pack() -> PolicyPack:
    return PolicyPack(name=PACK_NAME, policies=[required_labels], enforcement_level=EnforcementLevel.ADVISORY)
