"""A canary step's gate: the batch/v1 Job that judges the canary color's real traffic at the step's weight.

The release pipeline (scripts/release.py) steps `release.canaryWeight` through `release.canary.steps`, one
`pulumi up` each. In that update the promotion gate (gate.py) first checks the canary can carry the new
share (readiness, capacity, a sample), the HTTPRoute then moves the weight, and this Job runs after the
route: it sleeps `release.canary.pause` while real traffic flows at the new weight, then judges that window
in Prometheus (scripts/step.sh):
- the canary alone: at least `gate.minRequests` requests, error ratio and p99 within the gate's limits;
- the canary against the stable color over the same window (judge.sh's compare_with_stable): worse by at
  most `release.canary.maxErrorRatioIncrease` (error ratio) and `maxP99LatencyIncrease` +
  `p99LatencyToleranceSeconds` (p99). A step at 100% leaves the stable color no traffic: the limits decide.
A failure fails the Job, so `pulumi up` fails and the pipeline aborts (weight 0, an update that needs no
gate). Its name hashes what it judges: the canary's color, version, image and the weight; a rerun of a
passed step keeps the completed Job, a failed one is replaced (`pulumi.com/replaceUnready`) and runs again.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from components.contract import other
from components.objects import judge
from components.objects.gate import JUDGE_SETTLE_SECONDS, SCRIPT_PREAMBLE, digest, job_manifest
from components.objects.plan import ReleasePlan, Track
from components.settings import AppSpec
from components.settings.grammar import duration_seconds
from components.settings.names import gate_job_name

CANARY_STEP = "canary-step"  # the value of the gate kind label
STEP_SCRIPT = SCRIPT_PREAMBLE + judge.JUDGE_SCRIPT + (Path(__file__).parent / "scripts" / "step.sh").read_text()


def pause_seconds(spec: AppSpec) -> int:
    return int(duration_seconds(spec.release.canary.pause) or 0)


def step_deadline_seconds(spec: AppSpec) -> int:
    """The pause, then the gate's own deadline for settling, polling and judging."""
    return pause_seconds(spec) + spec.release.gate.timeout_seconds


def step_job_name(spec: AppSpec, color: str, version: str, image: str, weight: int) -> str:
    return gate_job_name(spec.name, digest(f"{CANARY_STEP}|{color}|{version}|{image}|{weight}"))


def step_env(spec: AppSpec, plan: ReleasePlan, canary: str) -> dict[str, str]:
    """judge.sh's environment over the pause's window, the stable color as baseline, and the step."""
    window = spec.release.canary.pause
    return {
        "STEP_WEIGHT": str(plan.canary_weight),
        "PAUSE_SECONDS": str(pause_seconds(spec)),
        "JUDGE_SETTLE_SECONDS": str(JUDGE_SETTLE_SECONDS),
        **judge.judge_env(spec, canary, window),
        **judge.compare_env(spec, other(canary), window),
    }


def build_step_job(spec: AppSpec, plan: ReleasePlan, track: Track) -> dict[str, Any]:
    """The step gate of the canary `track` (its image resolved to a reference string) at the plan's weight."""
    color, weight = str(track.color), int(plan.canary_weight or 0)
    name = step_job_name(spec, color, track.version, track.image, weight)
    env = step_env(spec, plan, color)
    return job_manifest(spec, name, CANARY_STEP, track, env, STEP_SCRIPT, step_deadline_seconds(spec))
