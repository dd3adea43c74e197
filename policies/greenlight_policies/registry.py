"""How a greenlight rule becomes a CrossGuard policy: metadata, docs link, config schema, environment.

Rules are plain functions over plain views (stackview.Obj, kube.Workload, stackview.Stack) that yield
findings; these helpers register them once with their metadata (kebab-case name, "Checks that ..."
description, severity, remediation steps, docs URL).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import (
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from greenlight_policies import exceptions
from greenlight_policies.kube import Workload
from greenlight_policies.stackview import Obj, view_of

DOCS_URL = "https://github.com/acme/greenlight/blob/main/policies/README.md"
ENVIRONMENTS = ("dev", "staging", "prod")
# Unconfigured, a policy assumes the strictest environment: a pack that forgets its config errs safe.
DEFAULT_ENVIRONMENT = "prod"
ENVIRONMENT_PROPERTY: dict[str, Any] = {
    "environment": {
        "type": "string",
        "enum": list(ENVIRONMENTS),
        "default": DEFAULT_ENVIRONMENT,
        "description": "the stack's environment; prod-only requirements are skipped elsewhere",
    }
}

Finding = tuple[str, str]  # (message, urn or "" for the stack)
ResourceRule = Callable[[Obj, Mapping[str, Any]], Iterable[str]]
WorkloadRule = Callable[[Workload, Mapping[str, Any]], Iterable[str]]
StackRule = Callable[[StackValidationArgs, Mapping[str, Any]], Iterable[Finding]]
Remediation = Callable[[ResourceValidationArgs], Mapping[str, Any] | None]
# Every rule registered, with its metadata: chart-exceptions re-runs them to see which exceptions applied.
RESOURCE_RULES: list[tuple[Meta, ResourceRule]] = []
STACK_RULES: list[tuple[Meta, StackRule]] = []


@dataclass(frozen=True)
class Meta:
    name: str
    description: str
    severity: Severity
    remediation: str
    properties: Mapping[str, Mapping[str, Any]] | None = None

    def schema(self) -> PolicyConfigSchema | None:
        if not self.properties:
            return None
        return PolicyConfigSchema(properties={k: dict(v) for k, v in self.properties.items()})

    @property
    def url(self) -> str:
        return f"{DOCS_URL}#{self.name}"


def environment(config: Mapping[str, Any]) -> str:
    return str(config.get("environment", DEFAULT_ENVIRONMENT))


def is_prod(config: Mapping[str, Any]) -> bool:
    return environment(config) == "prod"


def _defaults(meta: Meta) -> dict[str, Any]:
    """Schema defaults: the engine fills them into the config too, but not every engine does."""
    return {k: v["default"] for k, v in (meta.properties or {}).items() if "default" in v}


def defaults(meta: Meta, given: Mapping[str, Any] | None) -> dict[str, Any]:
    """Schema defaults under the given config."""
    return {**_defaults(meta), **(given or {})}


def resource_policy(meta: Meta, rule: ResourceRule, remediate: Remediation | None = None) -> ResourceValidationPolicy:
    defaults = _defaults(meta)

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        resource = view_of(args)
        for message in rule(resource, {**defaults, **args.get_config()}):
            # A chart object's finding may be excepted, by name, in the one table (exceptions.py).
            if exceptions.find(meta.name, resource.urn, resource.type, resource.props, message) is None:
                report(message, None)

    RESOURCE_RULES.append((meta, rule))

    return ResourceValidationPolicy(
        name=meta.name,
        description=meta.description,
        validate=validate,
        # pulumi_policy types remediate as async, but its servicer also takes plain return values.
        remediate=remediate,  # type: ignore[arg-type]
        config_schema=meta.schema(),
        severity=meta.severity,
        remediation_steps=meta.remediation,
        url=meta.url,
    )


def workload_policy(meta: Meta, rule: WorkloadRule) -> ResourceValidationPolicy:
    """One rule over every workload kind: the rule sees the pod spec, wherever the kind keeps it."""

    def over_workloads(resource: Obj, config: Mapping[str, Any]) -> Iterable[str]:
        found = resource.workload
        return rule(found, config) if found else ()

    return resource_policy(meta, over_workloads)


def stack_policy(meta: Meta, rule: StackRule) -> StackValidationPolicy:
    defaults = _defaults(meta)

    def validate(args: StackValidationArgs, report: ReportViolation) -> None:
        by_urn: dict[str, Any] = {}
        for message, urn in rule(args, {**defaults, **args.get_config()}):
            if urn and not by_urn:
                by_urn = {r.urn: r for r in args.resources}
            found = by_urn.get(urn) if urn else None
            if found is None or exceptions.find(meta.name, urn, found.resource_type, found.props, message) is None:
                report(message, urn or None)

    STACK_RULES.append((meta, rule))

    return StackValidationPolicy(
        name=meta.name,
        description=meta.description,
        validate=validate,
        config_schema=meta.schema(),
        severity=meta.severity,
        remediation_steps=meta.remediation,
        url=meta.url,
    )
