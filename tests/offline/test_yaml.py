"""Programs that register Kubernetes YAML preview, render and get judged: the offline engine plays the
provider's `kubernetes:yaml:decode` (yaml v1) and expands yaml/v2 components as the provider's Construct does."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from offline.__main__ import main
from tests.support.preview import ROOT

PROGRAM = ROOT / "tests" / "fixtures" / "yaml_program"
PROBE_PACK = ROOT / "tests" / "fixtures" / "probe_pack"


def preview_json(capsys: pytest.CaptureFixture[str], form: str, *argv: str) -> tuple[int, dict, str]:
    code = main(["preview", "--stack", "test", "--cwd", str(PROGRAM), "--config", f"yamlprobe:form={form}", *argv])
    out, err = capsys.readouterr()
    return code, json.loads(out) if code in (0, 1) and "--json" in argv else {}, err


def test_v1_config_file_and_group_register_each_object_under_the_component(capsys: pytest.CaptureFixture[str]) -> None:
    _, report, _ = preview_json(capsys, "v1", "--json")
    by_name = {r["name"]: r for r in report["resources"]}
    # The Python SDK names v1 objects `<namespace>/<name>` and parents them to the ConfigFile/ConfigGroup.
    assert by_name["yaml-probe/from-file"]["type"] == "kubernetes:core/v1:ConfigMap"
    assert by_name["yaml-probe/from-file"]["parent"] == by_name["v1-file"]["urn"]
    assert by_name["unpinned"]["type"] == "kubernetes:apps/v1:Deployment"
    assert by_name["yaml-probe/v1-literal"]["parent"] == by_name["v1-group"]["urn"]


def test_v2_components_register_objects_as_the_provider_does(capsys: pytest.CaptureFixture[str]) -> None:
    _, report, _ = preview_json(capsys, "v2", "--json")
    names = [r["name"] for r in report["resources"]]
    group = next(r for r in report["resources"] if r["name"] == "v2-group")
    children = [r for r in report["resources"] if r["parent"] == group["urn"]]
    # `<prefix>:<namespace>/<name>`, the provider's default namespace for a namespaced kind without one,
    # and the Namespace before the objects in it.
    assert {r["name"] for r in children} == {
        "v2-group:default/unpinned",
        "v2-group:yaml-probe",
        "v2-group:yaml-probe/from-file",
        "v2-group:yaml-probe/probe-monitor",
        "v2-group:yaml-probe/literal-secret",
    }
    assert names.index("v2-group:yaml-probe") < names.index("v2-group:yaml-probe/from-file")
    monitor = next(r for r in children if r["name"].endswith("probe-monitor"))
    assert monitor["type"] == "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
    assert "again:yaml-probe/from-file" in names  # ConfigFile with resource_prefix
    assert report["outputs"]["v2GroupObjects"] == 5  # the component's `resources` output holds its objects


def test_yaml_objects_render_with_secrets_redacted(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = preview_json(capsys, "v2", "--render", str(tmp_path / "out"))
    assert code == 0
    manifests = tmp_path / "out" / "manifests"
    secret = yaml.safe_load((manifests / "yaml-probe" / "secret-literal-secret.yaml").read_text())
    assert secret["stringData"] == {"token": "[secret]"}
    deployment = yaml.safe_load((manifests / "default" / "deployment-unpinned.yaml").read_text())
    assert deployment["metadata"]["namespace"] == "default"
    assert "not-for-logs" not in "".join(p.read_text() for p in manifests.rglob("*.yaml"))


@pytest.mark.parametrize("form", ["v1", "v2"])
def test_the_policy_pack_judges_objects_that_came_from_yaml(form: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, report, _ = preview_json(
        capsys, form, "--json", "--policy-pack", str(ROOT / "policies"), "--policy-pack-config",
        str(ROOT / "policies" / "config" / "prod.json"),
    )  # fmt: skip
    pinned = {v["urn"].rsplit("::", 1)[-1] for v in report["violations"] if v["policy"] == "image-pinned"}
    assert pinned == ({"unpinned"} if form == "v1" else {"v2-group:default/unpinned", "again:default/unpinned"})
    assert code == 1  # mandatory in prod: CI's preview check fails on objects it can now see


@pytest.mark.parametrize(
    ("form", "fragment"),
    [
        ("helm-v3", "calls the provider function kubernetes:helm:template, which the offline engine does not run"),
        ("broken-v2", "kubernetes:yaml/v2:ConfigGroup 'broken': Kubernetes resources require a .metadata.name"),
    ],
)
def test_what_the_engine_cannot_play_is_one_message_naming_it(
    form: str, fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = preview_json(capsys, form)
    assert code == 2 and fragment in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1
