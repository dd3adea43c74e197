"""`make scan`'s checkov step: a finding passes only when the one exceptions table names it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from greenlight_policies import exceptions

from scripts import checkov_gate
from tests.support.checkov import CHECKOV
from tests.support.tools import require_tool

ENTRY = exceptions.ChartException("CKV_K8S_43", "widget", "Deployment", "probe", "no digest known", "image.digest")


def write(render: Path, name: str, labels: dict[str, str]) -> Path:
    """A Deployment whose one container has an image by tag and no resources."""
    path = render / "prod" / "manifests" / "probe" / f"deployment-{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    pod = {"containers": [{"name": "c", "image": "registry.example/widget:1.0.0"}]}
    spec = {"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}, "spec": pod}}
    metadata = {"name": name, "namespace": "probe", "labels": labels}
    body = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": metadata, "spec": spec}
    path.write_text(yaml.safe_dump(body))
    return path


def failure(check: str, path: Path) -> dict[str, Any]:
    where = {"resource": "Deployment.probe.x", "file_path": "f", "file_abs_path": str(path)}
    return {"check_id": check, "check_name": "n", **where}


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(exceptions, "EXCEPTIONS", (ENTRY,))


def test_only_the_named_check_on_the_named_chart_object_is_excepted(table: None, tmp_path: Path) -> None:
    chart_object = write(tmp_path, "probe", {"helm.sh/chart": "widget-0.1.0"})
    own = write(tmp_path, "own", {})  # greenlight's own objects carry no chart label: never excepted
    failed = [failure("CKV_K8S_43", chart_object), failure("CKV_K8S_15", chart_object), failure("CKV_K8S_43", own)]
    unexcepted, applied, stale = checkov_gate.judge(failed, checkov_gate.scanned_objects(tmp_path))
    assert [line.split(":")[0] for line in unexcepted] == ["CKV_K8S_15 n", "CKV_K8S_43 n"]
    assert applied == [ENTRY.describe()] and stale == []


def test_an_entry_whose_object_passes_is_stale(table: None, tmp_path: Path) -> None:
    write(tmp_path, "probe", {"helm.sh/chart": "widget-0.1.0"})  # as if CKV_K8S_43 had passed on it
    unexcepted, applied, stale = checkov_gate.judge([], checkov_gate.scanned_objects(tmp_path))
    assert (unexcepted, applied) == ([], [])
    assert stale == ["stale exception: CKV_K8S_43 on widget Deployment/probe excepts nothing; remove it from the table"]


def test_real_checkov_failures_outside_the_table_fail_the_scan(
    table: None, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    require_tool(str(CHECKOV))
    write(tmp_path, "probe", {"helm.sh/chart": "widget-0.1.0"})
    code = checkov_gate.main([str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 1
    assert f"excepted: {ENTRY.describe()}" in out  # checkov's CKV_K8S_43 (image by tag) is in the table
    assert "❌ CKV_K8S_11 CPU limits should be set: Deployment.probe.probe" in out  # this one is not
    assert "stale" not in out
