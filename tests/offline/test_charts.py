"""The offline preview expands helm.v4.Chart with the real helm, as pulumi-kubernetes registers the objects.

The chart (tests/fixtures/charts/widget) is the project's own: a CRD and a custom resource of it, hooks,
objects with and without a namespace, a values schema and a subchart under an alias.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import charts, helm
from offline.__main__ import main
from offline.engine import Resource
from tests.support.preview import ROOT
from tests.support.tools import missing_tool

PROGRAM = ROOT / "tests" / "fixtures" / "chart_program"
CHARTS = ROOT / "tests" / "fixtures" / "charts"
PREFIX = "urn:pulumi:test::chartprobe::probe:index:Platform"
CHART_URN = f"{PREFIX}$kubernetes:helm.sh/v4:Chart::platform-widget"
CHILD = f"{PREFIX}$kubernetes:helm.sh/v4:Chart$"
CRD = "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition"
WIDGET = "kubernetes:example.greenlight.dev/v1:Widget"


@pytest.fixture(scope="module")
def helm_binary() -> str:
    found = helm.find_helm(None)
    if found is None:
        missing_tool("helm not found (run `make helm`)")
    assert found is not None
    return found


def preview(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["preview", "--stack", "test", "--cwd", str(PROGRAM), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def children(tmp_path: Path, capsys: pytest.CaptureFixture[str], *argv: str) -> dict[tuple[str, str], dict[str, Any]]:
    """The Chart's children from resources.json, by (type, name)."""
    code, out, err = preview(capsys, "--charts", str(CHARTS), "--render", str(tmp_path), *argv)
    assert code == 0, out + err
    records = json.loads((tmp_path / "resources.json").read_text())
    return {(r["type"], r["name"]): r for r in records if r["parent"] == CHART_URN}


def test_chart_objects_are_children_named_as_the_provider_names_them(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = children(tmp_path, capsys)
    assert sorted(found) == [
        (CRD, "platform-widget:widgets.example.greenlight.dev"),
        ("kubernetes:apps/v1:Deployment", "platform-widget:probe/probe"),
        ("kubernetes:core/v1:ConfigMap", "platform-widget:elsewhere/probe-elsewhere"),
        ("kubernetes:core/v1:ConfigMap", "platform-widget:probe/probe-helper"),  # the aliased subchart's
        ("kubernetes:core/v1:ConfigMap", "platform-widget:probe/probe-kept"),
        ("kubernetes:core/v1:Secret", "platform-widget:probe/probe-token"),
        ("kubernetes:core/v1:Service", "platform-widget:probe/probe"),
        (WIDGET, "platform-widget:probe/probe"),
        ("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "platform-widget:probe-reader"),
    ]
    deployment = found[("kubernetes:apps/v1:Deployment", "platform-widget:probe/probe")]
    assert deployment["urn"] == f"{CHILD}kubernetes:apps/v1:Deployment::platform-widget:probe/probe"
    assert deployment["props"]["spec"]["replicas"] == 2  # the Chart's values reached helm
    assert deployment["props"]["metadata"]["labels"]["team"] == "platform"


def test_hooks_and_test_pods_are_dropped(helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    names = {name for _, name in children(tmp_path, capsys)}
    assert not any(name.endswith(("probe-migrate", "probe-test")) for name in names)


def test_namespaces_follow_the_release_the_crd_scope_and_explicit_ones(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = children(tmp_path, capsys)
    namespace = {key: r["props"]["metadata"].get("namespace") for key, r in found.items()}
    assert namespace[("kubernetes:core/v1:Service", "platform-widget:probe/probe")] == "probe"
    assert namespace[(WIDGET, "platform-widget:probe/probe")] == "probe"  # Namespaced, says the chart's CRD
    assert namespace[("kubernetes:core/v1:ConfigMap", "platform-widget:elsewhere/probe-elsewhere")] == "elsewhere"
    assert namespace[("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "platform-widget:probe-reader")] is None
    assert (tmp_path / "manifests" / "_cluster" / "clusterrole-probe-reader.yaml").is_file()
    assert (tmp_path / "manifests" / "probe" / "widget-probe.yaml").is_file()


def test_crds_precede_their_resources_and_depends_on_is_kept(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = children(tmp_path, capsys)
    order = [key for key in found]  # resources.json keeps registration order
    crd = found[(CRD, "platform-widget:widgets.example.greenlight.dev")]
    widget = found[(WIDGET, "platform-widget:probe/probe")]
    service = found[("kubernetes:core/v1:Service", "platform-widget:probe/probe")]
    elsewhere = found[("kubernetes:core/v1:ConfigMap", "platform-widget:elsewhere/probe-elsewhere")]
    assert widget["dependencies"] == [crd["urn"]]
    assert elsewhere["dependencies"] == [service["urn"]]
    assert order.index((CRD, crd["name"])) < order.index((WIDGET, widget["name"]))
    assert order[-2:] == [("kubernetes:core/v1:ConfigMap", elsewhere["name"]), (WIDGET, widget["name"])]


def test_skip_crds_leaves_the_crd_out(helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    found = children(tmp_path, capsys, "--config", "chartprobe:skipCrds=true")
    assert not [key for key in found if key[0] == CRD]
    # Without the CRD the Widget's scope is unknown offline: left without a namespace, as the provider does.
    assert found[(WIDGET, "platform-widget:probe")]["props"]["metadata"].get("namespace") is None


def test_secret_data_stays_secret_and_keep_policy_retains(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    found = children(tmp_path, capsys, "--config", "chartprobe:protect=true")
    assert found[("kubernetes:core/v1:Secret", "platform-widget:probe/probe-token")]["props"]["data"] == {
        "token": "[secret]"
    }
    secret_file = tmp_path / "manifests" / "probe" / "secret-probe-token.yaml"
    assert "chart-generated-token" not in secret_file.read_text()
    assert yaml.safe_load(secret_file.read_text())["data"] == {"token": "[secret]"}
    assert found[("kubernetes:core/v1:ConfigMap", "platform-widget:probe/probe-kept")]["retainOnDelete"] is True
    assert found[("kubernetes:core/v1:ConfigMap", "platform-widget:probe/probe-helper")]["retainOnDelete"] is False
    assert all(r["protect"] for r in found.values())  # children inherit the Chart's protect


def test_values_schema_error_fails_the_preview_naming_the_chart(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview(
        capsys, "--charts", str(CHARTS), "--render", str(tmp_path), "--config", "chartprobe:values.replicas=0"
    )
    assert code == 2
    assert "chart platform-widget (widget 0.1.0)" in err and "replicas" in err and "minimum" in err
    assert "Traceback" not in err
    assert not (tmp_path / "resources.json").exists()  # nothing rendered


def test_unknown_values_keys_are_reported(helm_binary: str, capsys: pytest.CaptureFixture[str]) -> None:
    overrides = ["chartprobe:values.servce.port=1", "chartprobe:values.helper.prot=2"]
    overrides.append("chartprobe:values.helper.port=3")  # known to the subchart
    code, out, _ = preview(capsys, "--charts", str(CHARTS), *[a for o in overrides for a in ("--config", o)])
    assert code == 0
    notes = [line.strip() for line in out.splitlines() if "unknown values key" in line]
    assert [n.split(":")[0] for n in notes] == ["unknown values key servce", "unknown values key helper.prot"]


def test_own_custom_resources_are_checked_against_the_installed_crd(
    helm_binary: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview(capsys, "--charts", str(CHARTS), "--config", "chartprobe:widgetSpec.colour=red")
    assert code == 2
    assert "platform-own-widget" in err and "colour" in err and "Additional properties" in err


def test_without_the_chart_it_says_what_was_not_expanded(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "charts"
    empty.mkdir()
    code, out, _ = preview(capsys, "--charts", str(empty), "--json")
    assert code == 0
    report = json.loads(out)
    assert report["charts"][0]["resource"] == "platform-widget" and report["charts"][0]["expanded"] is False
    assert f"chart widget 0.1.0 not found in {empty}" in report["charts"][0]["reason"]
    assert [r["name"] for r in report["resources"] if r["parent"] == CHART_URN] == []


def test_a_helm_that_is_not_there_is_a_usage_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = preview(capsys, "--helm", str(tmp_path / "helm"))
    assert code == 2
    assert f"--helm {tmp_path / 'helm'}: not an executable file" in err


def test_a_packaged_chart_expands_and_is_checked_like_a_directory(
    helm_binary: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    packaged = tmp_path / "pulled"
    command = [helm_binary, "package", str(CHARTS / "widget"), "-d", str(packaged)]
    subprocess.run(command, check=True, capture_output=True)
    assert (packaged / "widget-0.1.0.tgz").is_file()  # as `helm pull` names it
    code, out, _ = preview(capsys, "--charts", str(packaged), "--config", "chartprobe:values.helper.prot=2")
    assert code == 0
    assert "platform-widget (widget 0.1.0): 9 objects" in out
    assert "unknown values key helper.prot" in out


def test_a_chart_directory_of_another_version_is_used_and_said(tmp_path: Path) -> None:
    chart = tmp_path / "widget"
    shutil.copytree(CHARTS / "widget", chart)
    (chart / "Chart.yaml").write_text((chart / "Chart.yaml").read_text().replace("version: 0.1.0", "version: 0.2.0"))
    located = helm.locate_chart("oci://registry.example/charts/widget", "0.1.0", tmp_path, None)
    assert located is not None and located.path == chart and located.version == "0.2.0"
    assert located.note == f"expanded widget 0.2.0 from {chart}: pinned 0.1.0"
    assert helm.locate_chart("widget", "0.1.0", None, tmp_path) is None


def test_without_helm_no_chart_is_expanded_and_the_reason_says_so(tmp_path: Path) -> None:
    expander = charts.ChartExpander(charts.ChartSources(helm=None, charts_dir=CHARTS, cache=None))
    chart = Resource(
        urn=CHART_URN, type=charts.CHART_TYPE, name="platform-widget", custom=False, remote=True, parent="",
        dependencies=[], property_dependencies={}, provider="", protect=False, retain_on_delete=False,
        delete_before_replace=False, ignore_changes=[], aliases=[],
        inputs={"chart": "widget", "version": "0.1.0", "values": {}},
    )  # fmt: skip
    assert list(expander(chart)) == []
    assert expander.reports[0].reason.startswith("no helm binary")
    assert "not expanded: no helm binary" in "\n".join(charts.report_lines(expander.reports))
