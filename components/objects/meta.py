"""The label contract every object carries, and object metadata (DESIGN.md "Contracts").

``standard_labels`` serves platform pieces (they take the stack Settings) and per-app pieces (an
AppSpec) alike: both carry the environment, team and cost center the labels need.
"""

from __future__ import annotations

from typing import Any, Protocol

from components.contract import (
    COLOR_LABEL,
    COMPONENT_LABEL,
    COST_CENTER_LABEL,
    INSTANCE_LABEL,
    MANAGED_BY,
    MANAGED_BY_LABEL,
    NAME_LABEL,
    PART_OF,
    PART_OF_LABEL,
    TEAM_LABEL,
    VERSION_LABEL,
)
from components.settings import AppSpec

APP_COMPONENT = "server"  # app.kubernetes.io/component of the app's own pods and objects


class Owner(Protocol):
    """Who owns what a stack deploys: Settings and AppSpec both are one."""

    @property
    def environment(self) -> str: ...
    @property
    def team(self) -> str: ...
    @property
    def cost_center(self) -> str: ...


def standard_labels(owner: Owner, name: str, component: str, version: str) -> dict[str, str]:
    """app.kubernetes.io/{name,instance,version,component,part-of,managed-by} + team, cost-center."""
    return {
        NAME_LABEL: name,
        INSTANCE_LABEL: f"{name}-{owner.environment}",
        VERSION_LABEL: version,
        COMPONENT_LABEL: component,
        PART_OF_LABEL: PART_OF,
        MANAGED_BY_LABEL: MANAGED_BY,
        TEAM_LABEL: owner.team,
        COST_CENTER_LABEL: owner.cost_center,
    }


def app_labels(
    spec: AppSpec, color: str | None = None, version: str = "", component: str = APP_COMPONENT
) -> dict[str, str]:
    """Labels of one app's objects; shared objects (no color) carry the app's configured version."""
    labels = standard_labels(spec, spec.name, component, version or spec.app.version)
    if color:
        labels[COLOR_LABEL] = color
    return labels


def selector_labels(spec: AppSpec, color: str | None = None) -> dict[str, str]:
    """Immutable pod selector: name + instance (+ color). Never the version, which changes."""
    labels = {NAME_LABEL: spec.name, INSTANCE_LABEL: spec.instance}
    if color:
        labels[COLOR_LABEL] = color
    return labels


def metadata(spec: AppSpec, name: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    """Metadata of an object in the app's namespace."""
    return {"name": name, "namespace": spec.namespace, "labels": labels, **extra}


def build_namespace(spec: AppSpec) -> dict[str, Any]:
    """The app's namespace."""
    labels = app_labels(spec, component="namespace")
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": spec.namespace, "labels": labels}}
