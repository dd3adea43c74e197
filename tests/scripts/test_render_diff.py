"""scripts/render_diff.py: what a reviewer reads in the PR comment, from two renders that differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts import render_diff

DEPLOYMENT: dict[str, Any] = {
    "apiVersion": "apps/v1",
    "kind": "Deployment",
    "metadata": {"name": "web", "namespace": "greenlight-dev", "labels": {"app.kubernetes.io/version": "1.4.2"}},
    "spec": {
        "replicas": 1,
        "template": {
            "spec": {
                "containers": [
                    {"name": "web", "image": "ghcr.io/acme/web@sha256:aaa", "env": [{"name": "A", "value": "1"}]},
                ]
            }
        },
    },
}
SERVICE = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "greenlight-dev"}}
CONFIG_MAP = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "old", "namespace": "greenlight-dev"}}
NAMESPACE = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "greenlight-dev"}}
POLICY = {
    "apiVersion": "networking.k8s.io/v1",
    "kind": "NetworkPolicy",
    "metadata": {"name": "web", "namespace": "greenlight-dev"},
}
CHART = {"release": "monitoring", "chart": "kube-prometheus-stack", "version": "70.0.0", "values": {"a": 1}}


def write_render(out: Path, objects: list[dict[str, Any]], charts: tuple[dict[str, Any], ...] = ()) -> Path:
    """Lay objects out as `offline preview --render` does."""
    for obj in objects:
        folder = out / "manifests" / (obj["metadata"].get("namespace") or "_cluster")
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{obj['kind'].lower()}-{obj['metadata']['name']}.yaml").write_text(yaml.safe_dump(obj))
    for chart in charts:
        (out / "helm").mkdir(parents=True, exist_ok=True)
        (out / "helm" / f"{chart['release']}.yaml").write_text(yaml.safe_dump(chart))
    return out


def changed_deployment() -> dict[str, Any]:
    new = yaml.safe_load(yaml.safe_dump(DEPLOYMENT))
    new["spec"]["replicas"] = 2
    container = new["spec"]["template"]["spec"]["containers"][0]
    container["image"] = "ghcr.io/acme/web@sha256:bbb"
    container["env"].insert(0, {"name": "B", "value": "2"})  # an insert, not a change of every index
    return new


def two_renders(tmp_path: Path) -> tuple[Path, Path]:
    base = write_render(tmp_path / "base" / "dev", [DEPLOYMENT, SERVICE, CONFIG_MAP, NAMESPACE], (CHART,))
    chart = {**CHART, "version": "71.0.0"}
    head = write_render(tmp_path / "head" / "dev", [changed_deployment(), SERVICE, POLICY, NAMESPACE], (chart,))
    return base, head


def test_names_added_removed_and_changed_objects(tmp_path: Path) -> None:
    diff = render_diff.diff_renders(*two_renders(tmp_path), stack="dev")
    assert diff.added == ["NetworkPolicy greenlight-dev/web"]
    assert diff.removed == ["ConfigMap greenlight-dev/old"]
    assert set(diff.changed) == {"Deployment greenlight-dev/web", "HelmChart monitoring"}
    assert diff.unchanged == 2  # the Service and the cluster-scoped Namespace


def test_names_the_changed_fields_with_before_and_after(tmp_path: Path) -> None:
    diff = render_diff.diff_renders(*two_renders(tmp_path), stack="dev")
    changes = {c.path: (c.before, c.after) for c in diff.changed["Deployment greenlight-dev/web"]}
    assert changes == {
        "spec.replicas": (1, 2),
        "spec.template.spec.containers[web].image": ("ghcr.io/acme/web@sha256:aaa", "ghcr.io/acme/web@sha256:bbb"),
        "spec.template.spec.containers[web].env[B].name": (render_diff.MISSING, "B"),
        "spec.template.spec.containers[web].env[B].value": (render_diff.MISSING, "2"),
    }
    assert [(c.path, c.before, c.after) for c in diff.changed["HelmChart monitoring"]] == [
        ("version", "70.0.0", "71.0.0")
    ]


def test_markdown_report_lists_objects_and_field_diffs(tmp_path: Path) -> None:
    report = render_diff.format_report([render_diff.diff_renders(*two_renders(tmp_path), stack="dev")])
    assert report.startswith(render_diff.COMMENT_MARKER)
    assert "### `dev`: 1 added, 1 removed, 2 changed, 2 unchanged" in report
    assert "- **added** `NetworkPolicy greenlight-dev/web`" in report
    assert "- **removed** `ConfigMap greenlight-dev/old`" in report
    assert "- spec.replicas: 1\n+ spec.replicas: 2" in report
    assert "+ spec.template.spec.containers[web].image: ghcr.io/acme/web@sha256:bbb" in report


def test_identical_renders_report_no_changes(tmp_path: Path) -> None:
    base = write_render(tmp_path / "a", [DEPLOYMENT, SERVICE])
    head = write_render(tmp_path / "b", [DEPLOYMENT, SERVICE])
    diff = render_diff.diff_renders(base, head, "dev")
    assert diff.is_empty and diff.unchanged == 2
    assert "No changes to rendered objects." in render_diff.format_stack(diff)


def test_missing_base_shows_every_object_as_added(tmp_path: Path) -> None:
    head = write_render(tmp_path / "head", [SERVICE, NAMESPACE])
    diff = render_diff.diff_renders(tmp_path / "nope", head, "prod")
    assert diff.added == ["Namespace greenlight-dev", "Service greenlight-dev/web"] and diff.note


def test_long_reports_are_truncated_below_the_comment_limit(tmp_path: Path) -> None:
    base, head = two_renders(tmp_path)
    report = render_diff.format_report([render_diff.diff_renders(base, head, "dev")], max_chars=300)
    assert len(report) < 400 and "diff truncated" in report


def test_cli_compares_each_stack_and_writes_the_report(tmp_path: Path) -> None:
    base, head = two_renders(tmp_path)
    write_render(tmp_path / "head" / "prod", [SERVICE])  # prod has no base render yet
    out = tmp_path / "diff.md"
    code = render_diff.main(
        [str(base.parent), str(head.parent), "--stack", "dev", "--stack", "prod", "--output", str(out)]
    )
    text = out.read_text()
    assert code == 0
    assert "### `dev`: 1 added, 1 removed, 2 changed" in text
    assert "### `prod`: 1 added, 0 removed, 0 changed, 0 unchanged" in text


def test_cli_fails_when_the_head_render_is_missing(tmp_path: Path) -> None:
    assert render_diff.main([str(tmp_path), str(tmp_path), "--stack", "dev"]) == 2


def test_diffs_real_renders_of_two_stacks() -> None:
    """Against the offline engine's own render layout: dev and prod differ in namespace and size."""
    from tests.support.preview import preview

    dev, prod = preview("dev"), preview("prod")
    diff = render_diff.diff_renders(dev.out, prod.out, "dev->prod")
    assert "Namespace greenlight-prod" in diff.added and "Namespace greenlight-dev" in diff.removed


def test_plans_lead_the_comment_above_the_rendered_diff(tmp_path: Path) -> None:
    base, head = two_renders(tmp_path)
    plan = tmp_path / "dev.md"
    plan.write_text("### `dev`: 0 to create, 1 to update, 0 to replace, 0 to delete, 3 unchanged\n")
    out = tmp_path / "comment.md"
    assert render_diff.main([str(base), str(head), "--plan", str(plan), "--output", str(out)]) == 0
    text = out.read_text()
    assert text.startswith(render_diff.COMMENT_MARKER + "\n" + render_diff.PLAN_HEADER)
    assert text.index("1 to update") < text.index(render_diff.DIFF_HEADER) < text.index("### `dev`: 1 added")


def test_a_missing_plan_file_is_one_message(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = two_renders(tmp_path)
    assert render_diff.main([str(base), str(head), "--plan", str(tmp_path / "none.md")]) == 2
    assert "--plan" in capsys.readouterr().err
