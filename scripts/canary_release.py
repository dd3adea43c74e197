"""The release pipeline's progressive canary: 5% -> 25% -> 50% -> 100% (`release.canary.steps`), each step
one `pulumi up` judged by its gates, aborted automatically.

  1. like blue-green: pin the live color and its track to what is deployed, set the idle (canary) color's
     image and version at weight 0, `pulumi up`: the canary rolls out and its landing gate judges it;
     a failure here never moved traffic;
  2. per step: `canaryWeight = w`, `pulumi up`. Before the HTTPRoute moves, the promotion gate checks the
     canary can carry w% (readiness, capacity, a sample); after it, the step gate watches real traffic for
     `release.canary.pause` and judges that window against the stable color (components/objects/canary.py).
     Then the public URL's smoke test (any version may answer: both serve);
  3. after the last step (100%): `activeColor = canary`, `canaryWeight = 0` in one update (no gate: the
     traffic is where it was), then the smoke test requires the new version everywhere; a failure there
     restores the previous activeColor (a rollback, no gate either).
Abort: a failed update or smoke test at any step sets `canaryWeight = 0` and runs `pulumi up`. At weight 0
the program registers no gate Job and the route waits only for the stable color's Deployment, which runs:
the abort needs neither a gate nor monitoring. The run then fails naming the step and the reason.
Resume: a rerun reads the deployed weight (the last update's config). Its own canary at w% is resumed by
re-applying w% (a passed step keeps its completed gates and changes nothing; an interrupted one is judged
again) and going on, unless the last update failed, which was a step that failed without its abort: then
it aborts. A canary of another version left at w% is aborted first, then this release starts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from scripts.release_stack import Deployed, Stack, Track, newer_than_live, other, set_track, succeeded

Smoke = Callable[[str | None], bool]  # the public URL answers; with a version, only from that version
STEP_FAILED = (
    "its update failed: a gate did not pass (the promotion gate before the route moved: capacity, sample; "
    "the step gate after it: the real traffic against the stable color) or the update itself failed; "
    "the gate Jobs' logs say which (kubectl logs job/<name>, label greenlight.dev/gate)"
)
SMOKE_FAILED = "the public URL's smoke test failed"


@dataclass
class CanaryRun:
    stack: Stack
    new: Track
    smoke: Smoke
    log: Callable[[str], None]
    live: str
    steps: tuple[int, ...]

    @property
    def canary(self) -> str:
        return other(self.live)

    def label(self, weight: int) -> str:
        """`step 2/4 (25%)`; a resumed weight that is no longer a step says so."""
        if weight in self.steps:
            return f"step {self.steps.index(weight) + 1}/{len(self.steps)} ({weight}%)"
        return f"step at {weight}% (resumed; not in release.canary.steps)"

    def release(self, deployed: Deployed | None) -> int:
        weight = self._pin(deployed)
        if weight and deployed is not None and deployed.tracks.get(self.canary) != self.new:
            left = deployed.tracks.get(self.canary)
            self.log(
                f"{self.stack.name}: a canary of {left.version if left else 'an unknown version'} was left at "
                f"{weight}%: aborting it (canaryWeight 0) before this release"
            )
            if not self._weight_up(0, "pulumi up (abort of the earlier canary)"):
                self.log(f"{self.stack.name}: abort FAILED: page the on-call; nothing of this release was deployed")
                return 1
            weight = 0
        if weight and self.stack.last_update_result() == "failed":
            return self.abort(weight, f"the last update, at {weight}%, failed and was never aborted")
        if weight:
            self.log(f"{self.stack.name}: resuming the canary of {self.new.version} at {self.label(weight)}")
        elif not self._land():
            return 1
        return self._steps_from(weight)

    def _pin(self, deployed: Deployed | None) -> int:
        """Config as deployed but for what this release changes; returns the deployed weight."""
        if deployed is None:
            return 0
        self.stack.config_set("release.activeColor", self.live)
        for color in (self.live, self.canary):
            if color in deployed.tracks:
                set_track(self.stack, f"release.{color}", deployed.tracks[color])
        self.stack.config_set("release.canaryWeight", str(deployed.canary_weight))
        return deployed.canary_weight

    def _land(self) -> bool:
        """The new version on the canary color at weight 0: its rollout and landing gate; traffic stays."""
        set_track(self.stack, f"release.{self.canary}", self.new)
        self.stack.config_set("release.canaryWeight", "0")
        self.log(f"{self.stack.name}: live color {self.live}; deploying {self.new.image} to canary color {self.canary}")
        if succeeded(self.stack.up, "pulumi up (canary color)", self.log):
            return True
        self.log(f"{self.stack.name}: update of the canary color failed (landing gate or rollout): traffic never moved")
        return False

    def _steps_from(self, weight: int) -> int:
        todo = [s for s in self.steps if s > weight]
        for step in [weight] * bool(weight) + todo:
            if not self._weight_up(step, f"pulumi up ({self.label(step)})"):
                return self.abort(step, STEP_FAILED)
            if not succeeded(lambda: self.smoke(None), "smoke test", self.log):
                return self.abort(step, SMOKE_FAILED)
            self.log(f"{self.stack.name}: {self.label(step)} passed: {self.canary} ({self.new.version}) judged")
        return self._finish()

    def _weight_up(self, weight: int, what: str) -> bool:
        self.stack.config_set("release.canaryWeight", str(weight))
        return succeeded(self.stack.up, what, self.log)

    def abort(self, weight: int, reason: str) -> int:
        self.log(f"{self.stack.name}: canary {self.label(weight)} failed: {reason}")
        ok = self._weight_up(0, "pulumi up (abort)")
        outcome = f"all traffic back on {self.live}" if ok else "the abort FAILED: page the on-call"
        self.log(f"{self.stack.name}: canary aborted at {self.label(weight)}: {reason}; {outcome}")
        return 1

    def _finish(self) -> int:
        self.stack.config_set("release.activeColor", self.canary)
        self.stack.config_set("release.canaryWeight", "0")
        if succeeded(self.stack.up, "pulumi up (canary color made active)", self.log) and succeeded(
            lambda: self.smoke(self.new.version), "smoke test", self.log
        ):
            self.log(
                f"{self.stack.name}: released {self.new.version} on {self.canary}; {self.live} stays up for rollback"
            )
            return 0
        self.log(f"{self.stack.name}: making {self.canary} active failed: restoring {self.live}")
        self.stack.config_set("release.activeColor", self.live)
        ok = succeeded(self.stack.up, "pulumi up (rollback)", self.log)
        self.log(f"{self.stack.name}: rollback to {self.live} {'succeeded' if ok else 'FAILED: page the on-call'}")
        return 1


def release_canary(stack: Stack, new: Track, smoke: Smoke, log: Callable[[str], None]) -> int:
    deployed = stack.deployed()
    live = (deployed.active_color if deployed and deployed.active_color else None) or stack.repo_active_color()
    refused = newer_than_live(new, deployed.tracks.get(live) if deployed else None)
    if refused:
        log(f"{stack.name}: {refused}; nothing was changed")
        return 2
    return CanaryRun(stack, new, smoke, log, live, stack.canary_steps()).release(deployed)
