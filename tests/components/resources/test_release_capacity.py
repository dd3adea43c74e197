"""The color traffic moves to runs as many pods as the color it replaces: the plan a promotion produces.

The live color's size comes from the cluster (components/resources/live.py reads its Deployment). Here
the read answers what a test says the live color runs, and the program runs as in `pulumi preview`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from components.resources import release as release_component
from offline import stackconfig
from offline.engine import run_program
from offline.render import render
from tests.support.preview import ROOT, Preview, preview

GREEN = "greenlight:release.activeColor=green"  # a promotion: green (1.5.0) is newer than blue (1.4.2)
CANARY = "greenlight:release.strategy=canary"


@pytest.fixture
def with_live(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., tuple[Preview, list[str]]]:
    """Preview `stack` while the cluster's Deployments run `live` replicas; returns it and what was read."""

    def run(live: dict[str, int], stack: str, *overrides: str) -> tuple[Preview, list[str]]:
        reads: list[str] = []

        def observed(name: str, namespace: str, deployment_name: str, deployment: Any, parent: Any) -> Any:
            reads.append(deployment_name)
            return deployment.id.apply(lambda _: live.get(deployment_name))

        monkeypatch.setattr(release_component, "observed_replicas", observed)
        resources = run_program(ROOT, stackconfig.load(ROOT, stack, list(overrides)))
        out = tmp_path / f"render-{len(list(tmp_path.iterdir()))}"
        render(out, resources)
        return Preview(stack, out, tuple(resources)), reads

    return run


def hpa_minimums(p: Preview) -> dict[str, int]:
    return {h["metadata"]["name"]: h["spec"]["minReplicas"] for h in p.manifests("HorizontalPodAutoscaler")}


def test_a_promotion_raises_the_target_to_what_the_live_color_runs(with_live: Callable[..., Any]) -> None:
    p, reads = with_live({"web-blue": 9}, "prod", GREEN)
    assert reads == ["web-blue"]  # the color traffic leaves
    assert hpa_minimums(p) == {"web-green": 9, "web-blue": 3}
    by_name = {r.name: r for r in p.resources}
    assert by_name["release-green-hpa"].urn in by_name["release-gate"].dependencies  # the gate waits for it


def test_the_floor_stays_within_the_hpa_range(with_live: Callable[..., Any]) -> None:
    assert hpa_minimums(with_live({"web-blue": 40}, "prod", GREEN)[0])["web-green"] == 12  # maxReplicas
    assert hpa_minimums(with_live({"web-blue": 1}, "prod", GREEN)[0])["web-green"] == 3  # minReplicas


def test_a_rollback_raises_the_previous_color_without_waiting_for_it(with_live: Callable[..., Any]) -> None:
    p, reads = with_live({"web-green": 7}, "prod")  # blue (older) takes the traffic back from green
    assert reads == ["web-green"] and hpa_minimums(p) == {"web-blue": 7, "web-green": 3}
    by_name = {r.name: r for r in p.resources}
    assert by_name["release-blue-hpa"].urn not in by_name["release-active-service"].dependencies


@pytest.mark.parametrize(("weight", "canary_minimum"), [(10, 3), (50, 5), (100, 10)])
def test_a_canary_gets_its_share_of_the_live_color(
    with_live: Callable[..., Any], weight: int, canary_minimum: int
) -> None:
    p, reads = with_live({"web-blue": 10}, "prod", CANARY, f"greenlight:release.canaryWeight={weight}")
    assert reads == ["web-blue"] and hpa_minimums(p) == {"web-blue": 3, "web-green": canary_minimum}


def test_unknown_live_size_leaves_the_minimum(with_live: Callable[..., Any]) -> None:
    """A new stack (nothing to read yet) or a Deployment that reports no replicas."""
    assert hpa_minimums(with_live({}, "prod", GREEN)[0]) == {"web-green": 3, "web-blue": 3}


def test_a_parked_idle_color_is_not_read(with_live: Callable[..., Any]) -> None:
    """scaleDownIdle registers the idle Deployment after the switch: the target keeps its own minimum."""
    p, reads = with_live({"web-blue": 4}, "staging", "greenlight:release.scaleDownIdle=true", GREEN)
    assert reads == [] and hpa_minimums(p) == {"web-green": 2}


def test_without_autoscaling_both_colors_run_the_same_fixed_size(with_live: Callable[..., Any]) -> None:
    p, reads = with_live({"web-blue": 9}, "prod", GREEN, "greenlight:app.autoscaling.enabled=false")
    assert reads == [] and hpa_minimums(p) == {}
    assert {d["spec"]["replicas"] for d in p.manifests("Deployment")} == {3}


def test_the_color_traffic_left_keeps_its_size_for_the_rollback_window() -> None:
    p = preview("prod", "greenlight:release.rollbackWindowSeconds=900")
    for hpa in p.manifests("HorizontalPodAutoscaler"):
        assert hpa["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 900}}
    rolling = preview("staging", "greenlight:release.strategy=rolling", "greenlight:app.image=build")
    assert "behavior" not in rolling.manifest("HorizontalPodAutoscaler", "web")["spec"]  # no previous color


def test_deployment_replicas_force_only_where_an_hpa_may_own_them() -> None:
    force = "pulumi.com/patchForce"
    prod = preview("prod")
    assert all(force not in d["metadata"].get("annotations", {}) for d in prod.manifests("Deployment"))
    parked = preview("staging", "greenlight:release.scaleDownIdle=true").manifest("Deployment", "web-green")
    assert parked["spec"]["replicas"] == 0 and parked["metadata"]["annotations"][force] == "true"
    fixed = preview("prod", "greenlight:app.autoscaling.enabled=false").manifests("Deployment")
    assert all(d["metadata"]["annotations"][force] == "true" for d in fixed)
