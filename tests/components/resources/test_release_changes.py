"""Release operations change only what they must: diffs of two offline renders of prod (and staging)."""

from __future__ import annotations

import pytest

from benchmarks.release_changes import CANARY, CANARY_STEPS, NEW_DIGEST, canary_at, diff_renders
from components.objects.gate import GATE_KIND_LABEL
from tests.support.gate import landing_gate, promotion_gates
from tests.support.preview import Preview, preview

GREEN = "greenlight:release.activeColor=green"  # green runs 1.5.0, newer than blue's 1.4.2
NEW_GREEN = ("greenlight:release.green.version=1.6.0", f"greenlight:release.green.image={NEW_DIGEST}")
SCALE_DOWN = "greenlight:release.scaleDownIdle=true"


def kinds(names: list[str]) -> list[str]:
    return sorted(n.split("/")[0] for n in names)


def test_promote_changes_only_the_two_selectors_and_runs_the_gate() -> None:
    c = diff_renders(preview("prod"), preview("prod", GREEN))
    assert c.changed == ["Service/web", "Service/web-preview"]
    assert kinds(c.added) == ["Job"] and c.added[0].startswith("Job/web-gate-") and c.removed == []
    assert not [n for n in c.touched if n.startswith(("Deployment/", "HorizontalPodAutoscaler/"))]


def test_promote_moves_the_selectors_to_green() -> None:
    after = preview("prod", GREEN)
    assert after.manifest("Service", "web")["spec"]["selector"]["greenlight.dev/color"] == "green"
    assert after.manifest("Service", "web-preview")["spec"]["selector"]["greenlight.dev/color"] == "blue"


def test_rollback_moves_the_selectors_back_and_starts_no_pod() -> None:
    forward = diff_renders(preview("prod"), preview("prod", GREEN))
    back = diff_renders(preview("prod", GREEN), preview("prod"))
    assert back.changed == forward.changed
    assert back.added == [] and back.removed == forward.added  # the promotion's gate goes; no new Job
    assert preview("prod").manifest("Service", "web") == preview(
        "prod", GREEN, "greenlight:release.activeColor=blue"
    ).manifest("Service", "web")


def test_a_new_version_on_the_idle_color_touches_only_that_color_and_runs_its_landing_gate() -> None:
    c = diff_renders(preview("prod"), preview("prod", *NEW_GREEN))
    assert c.changed and "Deployment/web-green" in c.changed
    for name in c.changed:
        assert name.endswith(("/web-green", "/web-green-config")), name
    # besides green's objects: the new version's schema migration (Job + its NetworkPolicy) and green's gate
    landing = f"Job/{landing_gate(preview('prod', *NEW_GREEN), 'green')['metadata']['name']}"
    replaced = f"Job/{landing_gate(preview('prod'), 'green')['metadata']['name']}"
    assert landing in c.added and replaced in c.removed
    assert all("-migrate-" in n for n in {*c.added, *c.removed} - {landing, replaced})
    assert not [n for n in c.touched if "blue" in n or n in ("Service/web", "Service/web-preview")]


def test_an_unchanged_stack_keeps_every_gate_job() -> None:
    """A gate's name depends on what it judges, not on the run: re-running changes nothing."""
    assert diff_renders(preview("prod"), preview("prod", "greenlight:release.activeColor=blue")).touched == []
    assert diff_renders(preview("prod", GREEN), preview("prod", GREEN, *())).touched == []


def test_scale_down_idle_parks_the_idle_color_after_the_switch_and_gates_every_switch() -> None:
    p = preview("staging", SCALE_DOWN)
    assert p.manifest("Deployment", "web-green")["spec"]["replicas"] == 0
    assert "replicas" not in p.manifest("Deployment", "web-blue")["spec"]
    assert [h["metadata"]["name"] for h in p.manifests("HorizontalPodAutoscaler")] == ["web-blue"]
    # A parked color has no pods to judge when a version lands, nor to roll back to: no landing gates,
    # and even the switch back to the older version (blue 1.4.2 < green 1.5.0) waits for the gate.
    assert len(promotion_gates(p)) == 1
    by_name = {r.name: r for r in p.resources}
    assert by_name["release-gate"].urn in by_name["release-active-service"].dependencies
    assert by_name["release-active-service"].urn in by_name["release-green-deployment"].dependencies


def test_scale_down_idle_is_refused_in_prod() -> None:
    from components.settings import ConfigError
    from tests.support.stacks import stack_settings

    try:
        stack_settings("prod", SCALE_DOWN)
    except ConfigError as error:
        assert "greenlight:release.scaleDownIdle = true is not allowed" in str(error)
        assert "false in prod" in str(error)
    else:
        raise AssertionError("prod accepted scaleDownIdle")


def test_landing_gates_stay_when_a_promotion_moves_traffic() -> None:
    before, after = preview("prod"), preview("prod", GREEN)
    assert landing_gate(before, "green") == landing_gate(after, "green")


def gate_kinds(p: Preview, names: list[str]) -> list[str]:
    """The gate kind label of each named Job (promotion, canary-step, ...), sorted."""
    jobs = {f"Job/{j['metadata']['name']}": j for j in p.manifests("Job")}
    return sorted(jobs[n]["metadata"]["labels"][GATE_KIND_LABEL] for n in names)


@pytest.mark.parametrize(("before", "after"), CANARY_STEPS)
def test_each_canary_step_changes_only_the_route_and_its_gate_jobs(before: int, after: int) -> None:
    """The pipeline's step: the HTTPRoute's weights, the step's promotion gate (capacity before the weight
    moves) and its step gate (real traffic after); the previous step's gates go. No pod, Service or HPA."""
    old, new = preview("prod", *canary_at(before)), preview("prod", *canary_at(after))
    c = diff_renders(old, new)
    assert c.changed == ["HTTPRoute/web"]
    assert gate_kinds(new, c.added) == ["canary-step", "promotion"]
    assert gate_kinds(old, c.removed) == ([] if before == 0 else ["canary-step", "promotion"])


def test_making_the_canary_active_moves_the_selectors_and_runs_no_gate() -> None:
    c = diff_renders(preview("prod", *canary_at(100)), preview("prod", CANARY, GREEN))
    assert c.changed == ["HTTPRoute/web", "Service/web", "Service/web-preview"] and c.added == []
    assert kinds(c.removed) == ["Job", "Job"]  # the last step's gates
    routed = preview("prod", CANARY, GREEN).manifest("HTTPRoute", "web")["spec"]["rules"][0]["backendRefs"]
    assert {r["name"]: r["weight"] for r in routed} == {"web-green": 100, "web-blue": 0}  # as at 100%


@pytest.mark.parametrize("weight", [5, 25, 50, 100])
def test_a_pipeline_abort_is_the_route_alone(weight: int) -> None:
    c = diff_renders(preview("prod", *canary_at(weight)), preview("prod", *canary_at(0)))
    assert c.changed == ["HTTPRoute/web"] and c.added == [] and kinds(c.removed) == ["Job", "Job"]
