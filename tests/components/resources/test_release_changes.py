"""Release operations change only what they must: diffs of two offline renders of prod."""

from __future__ import annotations

from benchmarks.release_changes import NEW_DIGEST, diff_renders
from tests.support.preview import preview

GREEN = "greenlight:release.activeColor=green"
NEW_GREEN = ("greenlight:release.green.version=1.6.0", f"greenlight:release.green.image={NEW_DIGEST}")


def kinds(names: list[str]) -> list[str]:
    return sorted(n.split("/")[0] for n in names)


def test_promote_changes_only_the_two_selectors_and_the_gate() -> None:
    c = diff_renders(preview("prod"), preview("prod", GREEN))
    assert c.changed == ["Service/web", "Service/web-preview"]
    assert kinds(c.added) == kinds(c.removed) == ["Job"]  # the gate for the new target replaces the old one
    assert c.added[0].startswith("Job/web-gate-")
    assert not [n for n in c.touched if n.startswith(("Deployment/", "HorizontalPodAutoscaler/"))]


def test_promote_moves_the_selectors_to_green() -> None:
    after = preview("prod", GREEN)
    assert after.manifest("Service", "web")["spec"]["selector"]["greenlight.dev/color"] == "green"
    assert after.manifest("Service", "web-preview")["spec"]["selector"]["greenlight.dev/color"] == "blue"


def test_rollback_is_the_exact_reverse_of_promote() -> None:
    forward = diff_renders(preview("prod"), preview("prod", GREEN))
    back = diff_renders(preview("prod", GREEN), preview("prod"))
    assert back.changed == forward.changed
    assert (back.added, back.removed) == (forward.removed, forward.added)
    assert preview("prod").manifest("Service", "web") == preview(
        "prod", GREEN, "greenlight:release.activeColor=blue"
    ).manifest("Service", "web")


def test_new_idle_version_touches_only_that_color() -> None:
    c = diff_renders(preview("prod"), preview("prod", *NEW_GREEN))
    assert c.changed and "Deployment/web-green" in c.changed
    for name in c.changed:
        assert name.endswith(("/web-green", "/web-green-config")), name
    # besides green's objects only the new version's schema migration (Job + its NetworkPolicy) runs
    assert all("-migrate-" in n for n in [*c.added, *c.removed])
    assert not [n for n in c.touched if "blue" in n or n in ("Service/web", "Service/web-preview")]


def test_unchanged_stack_keeps_the_gate_job() -> None:
    """The gate's name depends on what is promoted, not on the run: re-running changes nothing."""
    assert diff_renders(preview("prod"), preview("prod", "greenlight:release.activeColor=blue")).touched == []


def test_scale_down_idle_keeps_the_active_track_untouched_until_promotion() -> None:
    p = preview("prod", "greenlight:release.scaleDownIdle=true")
    assert p.manifest("Deployment", "web-green")["spec"]["replicas"] == 0
    assert "replicas" not in p.manifest("Deployment", "web-blue")["spec"]
    assert [h["metadata"]["name"] for h in p.manifests("HorizontalPodAutoscaler")] == ["web-blue"]
