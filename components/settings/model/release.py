"""Settings of how new versions take traffic: strategy, colors, gate, canary."""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.fields import setting
from components.settings.grammar import (
    COLORS,
    DNS_LABEL,
    DNS_NAME,
    SEMVER,
    between,
    duration_at_least,
    image_ok,
    matches,
    one_of,
)

# The app is scraped every 30s (components/objects/networking.py SCRAPE_INTERVAL): a rate() over a shorter
# window sees fewer than two samples and returns nothing, so a shorter gate window judges nothing.
GATE_MIN_WINDOW_SECONDS = 60


@dataclass(frozen=True)
class Track:
    image: str = setting(
        "",
        check=image_ok,
        allowed="an image reference pinned by digest, or 'build'",
        doc="image of this color",
    )
    version: str = setting("1.0.0", check=matches(SEMVER), allowed="a semantic version", doc="version of this color")


@dataclass(frozen=True)
class Gate:
    enabled: bool = setting(True, doc="run the promotion gate Job before traffic moves")
    max_error_ratio: float = setting(
        0.01, check=between(0, 1), allowed="a ratio from 0 to 1", doc="max 5xx share of the preview"
    )
    max_p99_latency_seconds: float = setting(
        0.5, check=between(0.001, 60), allowed="seconds from 0.001 to 60", doc="max p99 latency"
    )
    window: str = setting(
        "5m",
        check=duration_at_least(GATE_MIN_WINDOW_SECONDS),
        allowed="a Prometheus duration of at least 1m (rate() needs two of the 30s scrapes), such as 5m",
        doc="query window",
    )
    timeout_seconds: int = setting(
        300, check=between(30, 3600), allowed="seconds from 30 to 3600", doc="gate Job deadline"
    )
    image: str = setting(
        "curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
        check=image_ok,
        allowed="an image reference with curl",
        doc="image the gate Job runs",
    )


@dataclass(frozen=True)
class ReleaseSettings:
    strategy: str = setting(
        "rolling",
        check=one_of("rolling", "blue-green", "canary"),
        allowed="rolling, blue-green or canary",
        env_default={"prod": "blue-green"},
        doc="how new versions take traffic",
    )
    active_color: str = setting(
        "blue", check=one_of(*COLORS), allowed="blue or green", doc="color the live Service selects"
    )
    blue: Track = setting(Track())
    green: Track = setting(Track())
    scale_down_idle: bool = setting(False, doc="scale the idle color to 0 (slower rollback, lower cost)")
    canary_weight: int = setting(
        0,
        check=between(0, 100),
        allowed="a percentage from 0 to 100",
        doc="share of traffic sent to the idle color (canary only)",
    )
    gateway_name: str = setting(
        "public", check=matches(DNS_NAME), allowed="a Gateway name", doc="Gateway the canary HTTPRoute attaches to"
    )
    gateway_namespace: str = setting(
        "gateway", check=matches(DNS_LABEL), allowed="a namespace name", doc="namespace of that Gateway"
    )
    gate: Gate = setting(Gate())
