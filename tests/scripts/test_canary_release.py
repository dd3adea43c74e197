"""scripts/canary_release.py: every step, an abort at each step, resume, and one release per stack at a time."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pytest

from scripts import release
from scripts.release import Deployed, Track

NEW = Track("ghcr.io/acme/greenlight-web:1.6.0@sha256:" + "c" * 64, "1.6.0")
OLDER_CANARY = Track("ghcr.io/acme/greenlight-web:1.5.5@sha256:" + "e" * 64, "1.5.5")
BLUE = Track("ghcr.io/acme/greenlight-web:1.5.0@sha256:" + "a" * 64, "1.5.0")
STEPS = (5, 25, 50, 100)


@dataclass
class CanaryStack:
    """Records every update as `up active=<color> weight=<w> green=<version>`; `failing` names the updates
    (by weight, or "landing", "finish") that fail; `deployed_state` is what the last run left."""

    deployed_state: Deployed | None = field(default_factory=lambda: Deployed("blue", {"blue": BLUE}, None))
    failing: set[object] = field(default_factory=set)
    last_result: str | None = "succeeded"
    held_by: str | None = None
    steps: tuple[int, ...] = STEPS
    name: str = "prod"
    config: dict[str, str] = field(default_factory=dict)
    events: list[str] = field(default_factory=list)

    def strategy(self) -> str:
        return "canary"

    def repo_active_color(self) -> str:
        return "blue"

    def canary_steps(self) -> tuple[int, ...]:
        return self.steps

    def deployed(self) -> Deployed | None:
        return self.deployed_state

    def last_update_result(self) -> str | None:
        return self.last_result

    def lock(self, holder: str) -> str | None:
        if self.held_by not in (None, holder):
            return self.held_by
        self.held_by = holder
        self.events.append("lock")
        return None

    def unlock(self, holder: str) -> None:
        self.held_by = None
        self.events.append("unlock")

    def config_set(self, key: str, value: str) -> None:
        self.config[key] = value

    def up(self) -> bool:
        weight, active = int(self.config.get("release.canaryWeight", "0")), self.config["release.activeColor"]
        green = self.config.get("release.green.version", "-")
        self.events.append(f"up active={active} weight={weight} green={green}")
        kind: object = weight if weight else ("finish" if active == "green" else "landing")
        return kind not in self.failing

    def ups(self) -> list[str]:
        return [e for e in self.events if e.startswith("up ")]


def smoke(answers: dict[str | None, bool] | None = None) -> tuple[list[str | None], Callable[[str | None], bool]]:
    seen: list[str | None] = []

    def check(version: str | None) -> bool:
        seen.append(version)
        return (answers or {}).get(version, True)

    return seen, check


def run(stack: CanaryStack, check: Callable[[str | None], bool] | None = None) -> tuple[int, list[str]]:
    said: list[str] = []
    code = release.release(stack, NEW, check or smoke()[1], said.append)
    return code, said


def up(active: str, weight: int, green: str = "1.6.0") -> str:
    return f"up active={active} weight={weight} green={green}"


def test_a_healthy_canary_goes_through_every_step_then_becomes_active() -> None:
    stack = CanaryStack()
    seen, check = smoke()
    code, said = run(stack, check)
    assert code == 0, said
    assert stack.ups() == [
        up("blue", 0),  # the new version lands on green; its landing gate judges it; no traffic moves
        up("blue", 5),
        up("blue", 25),
        up("blue", 50),
        up("blue", 100),
        up("green", 0),  # green takes the active role: the same traffic, no gate
    ]
    assert seen == [None, None, None, None, "1.6.0"]  # any version while both serve; then only 1.6.0
    assert stack.config["release.blue.image"] == BLUE.image  # the stable color stays pinned as deployed
    assert next(s for s in said if "passed" in s).endswith("step 1/4 (5%) passed: green (1.6.0) judged")
    assert stack.events[0] == "lock" and stack.events[-1] == "unlock"


@pytest.mark.parametrize(("index", "weight"), list(enumerate(STEPS)))
def test_a_failed_step_aborts_to_weight_0_and_names_the_step(index: int, weight: int) -> None:
    stack = CanaryStack(failing={weight})
    code, said = run(stack)
    assert code == 1
    steps_run = [up("blue", w) for w in STEPS[: index + 1]]
    assert stack.ups() == [up("blue", 0), *steps_run, up("blue", 0)]  # the abort: weight 0, one update
    assert "release.activeColor" not in stack.config or stack.config["release.activeColor"] == "blue"
    assert said[-1].startswith(f"prod: canary aborted at step {index + 1}/4 ({weight}%): its update failed")
    assert said[-1].endswith("all traffic back on blue")
    assert stack.events[-1] == "unlock"


@pytest.mark.parametrize("weight", STEPS)
def test_a_failed_smoke_test_at_a_step_aborts(weight: int) -> None:
    calls = iter(range(100))
    failing_call = STEPS.index(weight)

    def flaky(version: str | None) -> bool:
        return next(calls) != failing_call

    stack = CanaryStack()
    code, said = run(stack, flaky)
    assert code == 1 and stack.ups()[-1] == up("blue", 0)
    assert f"({weight}%): the public URL's smoke test failed" in said[-1]


def test_a_step_that_raises_still_aborts() -> None:
    stack = CanaryStack()
    original = stack.up

    def up_or_raise() -> bool:
        if stack.config.get("release.canaryWeight") == "25":
            stack.events.append("up raised")
            raise OSError("pulumi: connection reset")
        return original()

    stack.up = up_or_raise  # type: ignore[method-assign]
    code, said = run(stack)
    assert code == 1 and stack.ups()[-1] == up("blue", 0)
    assert any("raised OSError: pulumi: connection reset" in s for s in said)


def test_a_failed_abort_says_to_page() -> None:
    stack = CanaryStack(failing={50, "landing"})  # the abort's update (weight 0) fails too
    stack.deployed_state = Deployed("blue", {"blue": BLUE, "green": NEW}, None, 25)  # resumed at 25%
    code, said = run(stack)
    assert code == 1 and "the abort FAILED: page the on-call" in said[-1]


def test_a_canary_whose_landing_gate_fails_never_moves_traffic() -> None:
    stack = CanaryStack(failing={"landing"})
    code, said = run(stack)
    assert code == 1 and stack.ups() == [up("blue", 0)]
    assert "traffic never moved" in said[-1]


def test_a_failure_to_make_the_canary_active_restores_the_stable_color() -> None:
    stack = CanaryStack(failing={"finish"})
    code, said = run(stack)
    assert code == 1
    assert stack.ups()[-2:] == [up("green", 0), up("blue", 0)]  # the rollback: back to blue, no gate
    assert said[-1] == "prod: rollback to blue succeeded"


def test_the_new_version_must_answer_everywhere_once_active() -> None:
    stack = CanaryStack()
    _, check = smoke({"1.6.0": False})
    code, _ = run(stack, check)
    assert code == 1 and stack.ups()[-2:] == [up("green", 0), up("blue", 0)]


@pytest.mark.parametrize(("deployed_weight", "resumed"), [(25, [25, 50, 100]), (100, [100]), (30, [30, 50, 100])])
def test_a_rerun_resumes_its_own_canary_at_the_deployed_weight(deployed_weight: int, resumed: list[int]) -> None:
    """The job died mid-way: re-apply the deployed weight (a passed step changes nothing, an interrupted one is
    judged again), then the steps after it. No landing again, no step below it."""
    stack = CanaryStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": NEW}, None, deployed_weight))
    code, said = run(stack)
    assert code == 0, said
    assert stack.ups() == [*(up("blue", w) for w in resumed), up("green", 0)]
    assert "resuming the canary of 1.6.0 at step" in said[0]
    if deployed_weight == 30:
        assert "30% (resumed; not in release.canary.steps)" in said[0]


def test_a_rerun_after_a_failed_step_that_was_never_aborted_aborts() -> None:
    stack = CanaryStack(deployed_state=Deployed("blue", {"blue": BLUE, "green": NEW}, None, 50), last_result="failed")
    code, said = run(stack)
    assert code == 1 and stack.ups() == [up("blue", 0)]
    assert "canary aborted at step 3/4 (50%): the last update, at 50%, failed and was never aborted" in said[-1]


def test_a_canary_of_another_version_left_mid_way_is_aborted_before_this_release() -> None:
    left = Deployed("blue", {"blue": BLUE, "green": OLDER_CANARY}, None, 25)
    stack = CanaryStack(deployed_state=left)
    code, said = run(stack)
    assert code == 0, said
    assert stack.ups()[:2] == [up("blue", 0, green="1.5.5"), up("blue", 0)]  # abort the old one, then land
    assert "a canary of 1.5.5 was left at 25%: aborting it" in said[0]


def test_the_steps_come_from_the_settings() -> None:
    stack = CanaryStack(steps=(10, 100))
    assert run(stack)[0] == 0
    assert stack.ups() == [up("blue", 0), up("blue", 10), up("blue", 100), up("green", 0)]


def test_a_stack_another_release_holds_is_refused_before_anything() -> None:
    stack = CanaryStack(held_by="1.5.9 ghcr.io/acme/greenlight-web@sha256:" + "f" * 64)
    code, said = run(stack)
    assert code == 2 and stack.events == [] and stack.config == {}
    assert "another release is under way (1.5.9" in said[-1] and "nothing was changed" in said[-1]
    assert stack.held_by is not None and stack.held_by.startswith("1.5.9")  # not ours to free


def test_a_rerun_of_the_same_release_takes_its_lock_over() -> None:
    stack = CanaryStack(held_by=f"{NEW.version} {NEW.image}")
    assert run(stack)[0] == 0 and stack.held_by is None


def test_an_update_still_in_progress_is_refused() -> None:
    stack = CanaryStack(last_result="in-progress")
    code, said = run(stack)
    assert code == 2 and stack.ups() == [] and "pulumi cancel --stack prod" in said[-1]
    assert stack.events == ["lock", "unlock"]


def test_a_canary_not_newer_than_the_live_version_changes_nothing() -> None:
    stack = CanaryStack(deployed_state=Deployed("blue", {"blue": Track(BLUE.image, "1.6.0")}, None))
    code, said = run(stack)
    assert code == 2 and stack.ups() == [] and "not newer than the live 1.6.0" in said[-1]
