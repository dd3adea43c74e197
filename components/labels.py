"""The label contract every object carries (DESIGN.md: recommended labels + team, cost-center)."""

from __future__ import annotations

from components.settings import Settings

PART_OF = "greenlight"
MANAGED_BY = "pulumi"
COLOR_LABEL = "greenlight.dev/color"


def standard_labels(settings: Settings, name: str, component: str, version: str = "") -> dict[str, str]:
    """app.kubernetes.io/{name,instance,version,component,part-of,managed-by} + team, cost-center."""
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{name}-{settings.environment}",
        "app.kubernetes.io/version": version or settings.app.version,
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": PART_OF,
        "app.kubernetes.io/managed-by": MANAGED_BY,
        "team": settings.team,
        "cost-center": settings.cost_center,
    }
