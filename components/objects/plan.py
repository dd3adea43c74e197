"""What a release deploys, decided once: the tracks (one per color, or the rolling one) and the plan.

Pure value objects the builders take instead of the whole settings: a ``Track`` says which
Deployment runs which image at which version with how many replicas; a ``ReleasePlan`` says which
color is live, which is idle, which one the gate judges, whether a gate must pass before traffic
moves, and how large the target must be. BlueGreenRelease and AppDeployment compute them here and
only wire what follows.

Promotion or rollback? The stack file says only where traffic goes, not where it was, and a rollback
is the exact reverse of a promotion. The versions tell them apart: traffic moving to the color with
the newer (or an equal) version is a promotion and waits for the promotion gate; traffic moving back
to the older version is a rollback: that version served before, it needs only its pods (no gate
Job, no image pull, no Prometheus). The release pipeline refuses a release that is not newer than
the live version (scripts/release.py), so the two cannot be confused.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from typing import Any

from components.contract import other, track_name
from components.settings import AppSpec

# Semantic Versioning 2.0.0 §9-11 (https://semver.org): core, optional pre-release, ignored build metadata.
_SEMVER = re.compile(r"^v?(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.-]+)?$")


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
    gate_target: str  # the color traffic moves to: the active one, or the canary
    canary_weight: int | None  # None unless the strategy is canary
    scale_idle_after_switch: bool  # the idle color goes to 0 only after the live Service left it
    gated_switch: bool  # a promotion gate Job must pass before the selectors (or the route) change
    landing_gates: bool  # each color's gate Job runs when a new version lands on it
    match_live_capacity: bool  # the target's HPA minimum follows the other color's live replica count
    capacity_share: float  # the share of the other color's replicas the target must run (canary: weight)
    judged_step: bool = False  # canary: a step gate judges the canary's real traffic after the route moved

    @property
    def capacity_from(self) -> str:
        """The color whose live size the target must match: the one traffic leaves."""
        return other(self.gate_target)


def owns_replicas(spec: AppSpec) -> bool:
    """True when an HPA, not the Deployment, decides the replica count."""
    return spec.app.autoscaling.enabled


def minimum_replicas(spec: AppSpec) -> int:
    """The fewest pods a running track has: its HPA minimum, or its fixed count."""
    return spec.app.autoscaling.min_replicas if owns_replicas(spec) else spec.app.replicas


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key by semver precedence: 1.2.0-rc.1 < 1.2.0 < 1.10.0; build metadata is ignored."""
    match = _SEMVER.fullmatch(version)
    if match is None:
        raise ValueError(f"not a semantic version: {version!r}")
    major, minor, patch, pre = match.groups()
    if pre is None:  # a release ranks above every pre-release of the same core
        return (int(major), int(minor), int(patch), 1, ())
    # Numeric identifiers rank below alphanumeric ones and compare as numbers (§11.4).
    identifiers = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (int(major), int(minor), int(patch), 0, identifiers)


def is_rollback(spec: AppSpec, active: str) -> bool:
    """Traffic on the color with the strictly older version: the other one was promoted after it."""
    release = spec.release
    live, left = getattr(release, active).version, getattr(release, other(active)).version
    return version_key(live) < version_key(left)


def rolling_track(spec: AppSpec) -> Track:
    replicas = None if owns_replicas(spec) else spec.app.replicas
    return Track(spec.name, None, spec.app.image, spec.app.version, replicas)


def release_plan(spec: AppSpec) -> ReleasePlan:
    release = spec.release
    gate_on = release.gate.enabled
    canary = release.strategy == "canary"
    weight = release.canary_weight if canary else None
    active = release.active_color
    # A scaled-down idle color has no pods to judge when a version lands on it, nor to roll back to:
    # every switch to it is judged like a promotion.
    scaled_down = release.strategy == "blue-green" and release.scale_down_idle
    if canary:
        gated = gate_on and bool(weight)  # weight 0 (abort, or finished) moves traffic only to the active color
    else:
        gated = gate_on and (scaled_down or not is_rollback(spec, active))
    return ReleasePlan(
        active=active,
        idle=other(active),
        gate_target=other(active) if weight else active,
        canary_weight=weight,
        scale_idle_after_switch=scaled_down,
        gated_switch=gated,
        landing_gates=gate_on and not scaled_down,
        # The live color's size is read from its Deployment, which (scaled down) registers after the switch.
        match_live_capacity=not scaled_down,
        capacity_share=weight / 100 if weight else 1.0,
        judged_step=canary and gate_on and bool(weight) and spec.monitoring.enabled,
    )


def capacity_floor(spec: AppSpec, plan: ReleasePlan, live_replicas: int | None) -> int:
    """The target's HPA minimum: its own, raised to its share of what the live color runs now.

    `live_replicas` is the other color's `spec.replicas` as read from the cluster (None when unknown:
    a new stack, or a preview before the Deployment exists). Never above the HPA maximum.
    """
    own = minimum_replicas(spec)
    if live_replicas is None or not plan.match_live_capacity:
        return own
    needed = math.ceil(live_replicas * plan.capacity_share)
    return min(max(own, needed), spec.app.autoscaling.max_replicas)


def color_track(spec: AppSpec, plan: ReleasePlan, color: str) -> Track:
    """None replicas: the color's HPA decides. 0: the idle color scaled down by request. Else fixed."""
    configured = getattr(spec.release, color)
    if color == plan.idle and plan.scale_idle_after_switch:
        replicas: int | None = 0
    else:
        replicas = None if owns_replicas(spec) else spec.app.replicas
    return Track(track_name(spec.name, color), color, configured.image, configured.version, replicas)
