"""What a release deploys, decided once: the tracks (one per color, or the rolling one) and the plan.

Pure value objects the builders take instead of the whole settings: a ``Track`` says which
Deployment runs which image at which version with how many replicas; a ``ReleasePlan`` says which
color is live, which is idle, which one the gate judges and whether the idle color scales down after
the switch. BlueGreenRelease and AppDeployment compute them here and only wire what follows.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

from components.contract import other, track_name
from components.settings import AppSpec


@dataclass(frozen=True)
class Track:
    name: str  # Deployment, HPA, PDB and color Service name: `web`, `web-blue`, `web-green`
    color: str | None  # None for the rolling track
    image: Any  # a reference string, or an Output once a built image is resolved
    version: str
    replicas: int | None  # None: the HPA decides; 0: scaled down by request

    def with_image(self, image: Any) -> Track:
        return dataclasses.replace(self, image=image)


@dataclass(frozen=True)
class ReleasePlan:
    active: str  # the color the live Service selects
    idle: str
    gate_target: str  # the color whose health decides: the new active one, or the canary
    canary_weight: int | None  # None unless the strategy is canary
    scale_idle_after_switch: bool  # the idle color goes to 0 only after the live Service left it


def owns_replicas(spec: AppSpec) -> bool:
    """True when an HPA, not the Deployment, decides the replica count."""
    return spec.app.autoscaling.enabled


def rolling_track(spec: AppSpec) -> Track:
    replicas = None if owns_replicas(spec) else spec.app.replicas
    return Track(spec.name, None, spec.app.image, spec.app.version, replicas)


def release_plan(spec: AppSpec) -> ReleasePlan:
    release = spec.release
    weight = release.canary_weight if release.strategy == "canary" else None
    active = release.active_color
    idle_scaled_down = release.strategy == "blue-green" and release.scale_down_idle
    return ReleasePlan(
        active=active,
        idle=other(active),
        gate_target=other(active) if weight else active,
        canary_weight=weight,
        scale_idle_after_switch=idle_scaled_down,
    )


def color_track(spec: AppSpec, plan: ReleasePlan, color: str) -> Track:
    """None replicas: the color's HPA decides. 0: the idle color scaled down by request. Else fixed."""
    configured = getattr(spec.release, color)
    if color == plan.idle and plan.scale_idle_after_switch:
        replicas: int | None = 0
    else:
        replicas = None if owns_replicas(spec) else spec.app.replicas
    return Track(track_name(spec.name, color), color, configured.image, configured.version, replicas)
