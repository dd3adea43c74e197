"""Settings of how new versions take traffic: strategy, colors, gate, canary."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from components.settings.fields import setting
from components.settings.grammar import (
    COLORS,
    DNS_LABEL,
    DNS_NAME,
    SEMVER,
    between,
    duration_at_least,
    duration_between,
    image_ok,
    matches,
    one_of,
)

# The app is scraped every 30s (components/objects/networking.py SCRAPE_INTERVAL): the gate queries its
# window one scrape (plus a margin) after its sample and polls a while longer; a window shorter than a
# minute could lose the sample before the gate has read it.
GATE_MIN_WINDOW_SECONDS = 60
# A URL path the gate can append `?gate=[1-N]` to: no query, no curl glob characters, no spaces.
SAMPLE_PATH = re.compile(r"^/[A-Za-z0-9._~/-]*$")
# A canary step is a whole percentage: Gateway API HTTPBackendRef weights are integers, and the route
# splits 100 between the two colors. Ten steps are more than any progressive rollout we know uses
# (Argo Rollouts' and Flagger's examples run 3 to 5); the bound keeps a release within its job's timeout.
MAX_CANARY_STEPS = 10
# The pause is the window the step's gate judges: as long as the gate's shortest window, at most half an
# hour, and all pauses together at most two hours, which leaves the release job (240 minutes,
# .github/workflows/release-stack.yml; tests/ci checks it) two more for rollouts and gates.
MAX_CANARY_PAUSE_SECONDS = 1800
MAX_CANARY_TOTAL_PAUSE_SECONDS = 7200
# autoscaling/v2 HPAScalingRules.stabilizationWindowSeconds: 0 to 3600 (one hour) by API validation.
MAX_STABILIZATION_SECONDS = 3600


@dataclass(frozen=True)
class Track:
    image: str = setting(
        "",
        check=image_ok,
        allowed="an image reference pinned by digest, or 'build'",
        doc="image of this color",
    )
    version: str = setting(
        "1.0.0",
        check=matches(SEMVER),
        allowed="a semantic version",
        doc="version of this color; traffic moving to the newer version is a promotion (gated), "
        "back to the older one a rollback",
    )


@dataclass(frozen=True)
class Gate:
    enabled: bool = setting(True, doc="run the gate Jobs: when a version lands on a color, and before a promotion")
    max_error_ratio: float = setting(
        0.01, check=between(0, 1), allowed="a ratio from 0 to 1", doc="max 5xx share of the judged color"
    )
    max_p99_latency_seconds: float = setting(
        0.5, check=between(0.001, 60), allowed="seconds from 0.001 to 60", doc="max p99 latency"
    )
    window: str = setting(
        "5m",
        check=duration_at_least(GATE_MIN_WINDOW_SECONDS),
        allowed="a Prometheus duration of at least 1m (the gate's sample must still be inside it after a 30s "
        "scrape and the gate's polling), such as 5m",
        doc="query window",
    )
    timeout_seconds: int = setting(
        600, check=between(60, 3600), allowed="seconds from 60 to 3600", doc="gate Job deadline"
    )
    sample_requests: int = setting(
        100,
        check=between(10, 10_000),
        allowed="an integer from 10 to 10000",
        doc="requests the gate sends to the judged color",
    )
    sample_concurrency: int = setting(
        4, check=between(1, 100), allowed="an integer from 1 to 100", doc="requests in flight at once"
    )
    sample_path: str = setting(
        "/",
        check=matches(SAMPLE_PATH),
        allowed="a URL path such as /api/items (letters, digits, . _ ~ / -; no query)",
        doc="application route the sample requests",
    )
    min_requests: int = setting(
        50,
        check=between(1, 10_000),
        allowed="an integer from 1 to 10000",
        doc="fewest requests in the window that can be judged; fewer fail the gate",
    )
    image: str = setting(
        "curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
        check=image_ok,
        allowed="an image reference with curl",
        doc="image the gate Jobs run",
    )


def canary_steps_ok(steps: tuple[int, ...]) -> bool:
    """Rising whole percentages ending at 100: the pipeline makes the canary active only after all traffic
    went to it, so the last step is the one that judged it carrying everything."""
    rising = all(a < b for a, b in itertools.pairwise(steps))
    return 1 <= len(steps) <= MAX_CANARY_STEPS and rising and all(1 <= s <= 100 for s in steps) and steps[-1] == 100


@dataclass(frozen=True)
class Canary:
    """The release pipeline's progressive canary (scripts/release.py): the steps, and how each is judged.

    Each step's gate compares the canary with the stable color over the same window (the SRE workbook,
    "Canarying Releases": canary and control side by side, since time itself moves every metric).
    """

    steps: tuple[int, ...] = setting(
        [5, 25, 50, 100],
        check=canary_steps_ok,
        allowed=f"a list of 1 to {MAX_CANARY_STEPS} rising percentages from 1 to 100 ending at 100, "
        "such as [5, 25, 50, 100]",
        doc="shares of traffic the release pipeline sends to the canary, one `pulumi up` and one judgement each",
    )
    pause: str = setting(
        "5m",
        check=duration_between(GATE_MIN_WINDOW_SECONDS, MAX_CANARY_PAUSE_SECONDS),
        allowed="a Prometheus duration from 1m to 30m, such as 5m",
        doc="how long each step watches real traffic; its gate judges that window",
    )
    max_error_ratio_increase: float = setting(
        0.005,
        check=between(0, 1),
        allowed="a ratio from 0 to 1",
        doc="the canary's 5xx share may exceed the stable color's by at most this (same window)",
    )
    max_p99_latency_increase: float = setting(
        0.2,
        check=between(0, 10),
        allowed="a fraction from 0 to 10 (0.2 is 20%)",
        doc="the canary's p99 may exceed the stable color's by at most this fraction ...",
    )
    p99_latency_tolerance_seconds: float = setting(
        0.025,
        check=between(0, 60),
        allowed="seconds from 0 to 60",
        doc="... plus this many seconds (a histogram's p99 moves within a bucket from noise alone)",
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
    scale_down_idle: bool = setting(
        False, doc="scale the idle color to 0 (dev and staging only: no instant rollback, no capacity matching)"
    )
    rollback_window_seconds: int = setting(
        1800,
        check=between(0, MAX_STABILIZATION_SECONDS),
        allowed=f"seconds from 0 to {MAX_STABILIZATION_SECONDS}",
        doc="the previous color keeps its size this long after traffic left it (HPA scale-down stabilization)",
    )
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
    gateway_data_plane_namespace: str = setting(
        "",
        check=matches(DNS_LABEL, True),
        allowed="a namespace name",
        doc="namespace of the Gateway's proxies, admitted to the app (empty: gatewayNamespace)",
    )
    gate: Gate = setting(Gate())
    canary: Canary = setting(Canary())

    @property
    def data_plane_namespace(self) -> str:
        return self.gateway_data_plane_namespace or self.gateway_namespace
