"""A canary step's gate: after the HTTPRoute, judging the canary's real traffic against the stable color."""

from __future__ import annotations

from typing import Any

import pytest

from components.contract import COLOR_LABEL
from components.objects import canary, gate
from tests.support.gate import gate_jobs, job_env, promotion_gate
from tests.support.preview import Preview, preview

CANARY = "greenlight:release.strategy=canary"


def at(weight: int, *extra: str) -> Preview:
    return preview("prod", CANARY, f"greenlight:release.canaryWeight={weight}", *extra)


def step_gates(p: Preview) -> list[dict[str, Any]]:
    return [j for j in gate_jobs(p) if j["metadata"]["labels"][gate.GATE_KIND_LABEL] == canary.CANARY_STEP]


def step_gate(p: Preview) -> dict[str, Any]:
    (job,) = step_gates(p)
    return job


def test_a_step_gate_judges_the_canary_after_the_route_moved() -> None:
    p = at(5)
    job = step_gate(p)
    assert job["metadata"]["labels"][COLOR_LABEL] == "green"  # blue is active: green is the canary
    by_name = {r.name: r for r in p.resources}
    step, route = by_name["release-step-gate"], by_name["release-httproute"]
    assert route.urn in step.dependencies  # it watches the traffic the new weight sends
    assert step.urn not in route.dependencies  # so the route never waits for it
    assert by_name["release-gate"].urn in route.dependencies  # the capacity check still comes first


def test_the_step_gate_judges_the_pause_window_of_both_colors() -> None:
    env = job_env(step_gate(at(25)))
    assert env["STEP_WEIGHT"] == "25" and env["PAUSE_SECONDS"] == "300"  # release.canary.pause: 5m
    for query in ("REQUESTS_QUERY", "ERROR_RATIO_QUERY", "P99_LATENCY_QUERY"):
        assert 'greenlight_dev_color="green"' in env[query] and "offset 5m" in env[query]
        stable = env[f"STABLE_{query}"]
        assert 'greenlight_dev_color="blue"' in stable and "offset 5m" in stable
        assert stable == env[query].replace('"green"', '"blue"')  # the same question, of the other color
    assert (env["MAX_ERROR_RATIO"], env["MAX_P99_LATENCY_SECONDS"]) == ("0.01", "0.5")  # the gate's limits
    margins = ("MAX_ERROR_RATIO_INCREASE", "MAX_P99_LATENCY_INCREASE", "P99_LATENCY_TOLERANCE_SECONDS")
    assert [env[m] for m in margins] == ["0.005", "0.2", "0.025"]
    assert "TARGET_URL" not in env and "SAMPLE_REQUESTS" not in env  # real traffic only, no sample


def test_the_settings_reach_the_step_gate() -> None:
    p = at(
        50,
        "greenlight:release.canary.pause=10m",
        "greenlight:release.canary.maxErrorRatioIncrease=0.002",
        "greenlight:release.canary.maxP99LatencyIncrease=0.5",
        "greenlight:release.canary.p99LatencyToleranceSeconds=0.1",
    )
    job = step_gate(p)
    env = job_env(job)
    assert env["PAUSE_SECONDS"] == "600" and "offset 10m" in env["STABLE_ERROR_RATIO_QUERY"]
    assert [env["MAX_ERROR_RATIO_INCREASE"], env["MAX_P99_LATENCY_INCREASE"]] == ["0.002", "0.5"]
    assert env["P99_LATENCY_TOLERANCE_SECONDS"] == "0.1"
    # The Job lives through the pause and then as long as any gate may take: 600 + timeoutSeconds (600).
    assert job["spec"]["activeDeadlineSeconds"] == 1200 and job["spec"]["backoffLimit"] == 0


def test_each_weight_is_a_new_step_gate_and_a_rerun_keeps_it() -> None:
    names = [step_gate(at(w))["metadata"]["name"] for w in (5, 25, 50, 100)]
    assert len(set(names)) == 4
    assert step_gate(at(25))["metadata"]["name"] == names[1]
    assert all(n.startswith("web-gate-") for n in names)


def test_the_step_and_promotion_gates_are_different_jobs() -> None:
    p = at(25)
    assert step_gate(p)["metadata"]["name"] != promotion_gate(p)["metadata"]["name"]
    assert "canary step" in step_gate(p)["spec"]["template"]["spec"]["containers"][0]["command"][2]


@pytest.mark.parametrize(
    "overrides",
    [
        (CANARY,),  # weight 0: an abort, or a finished canary
        (CANARY, "greenlight:release.canaryWeight=25", "greenlight:release.gate.enabled=false"),
        ("greenlight:release.activeColor=green",),  # blue-green
    ],
)
def test_no_step_gate_without_a_canary_step_to_judge(overrides: tuple[str, ...]) -> None:
    assert step_gates(preview("prod", *overrides)) == []
