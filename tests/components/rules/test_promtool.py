"""The rules as Prometheus sees them: `promtool check rules` and `promtool test rules` (real binaries)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.rules.mixin import rule_groups
from tests.support.preview import preview
from tests.support.stacks import stack_app
from tests.support.tools import require_tool

PROMTOOL_DIR = Path(__file__).parent / "promtool"
UNIT_TESTS = sorted(PROMTOOL_DIR.glob("*.test.yaml"))
ALWAYS_FIRING = {"Watchdog"}


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, timeout=120)


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_rendered_rule_group_passes_promtool_check(stack: str, tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    rules = preview(stack).manifests("PrometheusRule")
    assert rules, f"{stack} renders no PrometheusRule"
    for rule in rules:
        path = tmp_path / f"{rule['metadata']['name']}.yaml"
        path.write_text(yaml.safe_dump({"groups": rule["spec"]["groups"]}))
        result = _run(promtool, "check", "rules", path)
        assert result.returncode == 0, result.stdout + result.stderr


def test_rendered_prometheus_rule_is_what_rule_groups_returns() -> None:
    rendered = preview("prod").manifest("PrometheusRule", "web-alerts")
    assert rendered["spec"]["groups"] == rule_groups(stack_app("prod"))


def _without_annotations(groups: list[dict[str, Any]]) -> list[dict[str, Any]]:
    # promtool 2.x compares annotations verbatim when exp_annotations is absent; the annotation
    # texts are asserted in test_alerts_rules.py, so unit tests here pin labels and timing.
    return [{**g, "rules": [{k: v for k, v in r.items() if k != "annotations"} for r in g["rules"]]} for g in groups]


def test_promtool_unit_tests_pass(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    groups = _without_annotations(rule_groups(stack_app("prod")))
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump({"groups": groups}))
    # One file per group too: a test over weeks of series loads only its group (promtool evaluates
    # every loaded rule at every step).
    for group in groups:
        (tmp_path / f"{group['name']}.rules.yaml").write_text(yaml.safe_dump({"groups": [group]}))
    for test_file in UNIT_TESTS:
        shutil.copy(test_file, tmp_path / test_file.name)
    result = _run(promtool, "test", "rules", *(tmp_path / f.name for f in UNIT_TESTS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_has_a_firing_and_a_silent_unit_test() -> None:
    firing: set[str] = set()
    silent: set[str] = set()
    for test_file in UNIT_TESTS:
        for case in yaml.safe_load(test_file.read_text())["tests"]:
            for check in case.get("alert_rule_test", []):
                (firing if check["exp_alerts"] else silent).add(check["alertname"])
    alerts = {r["alert"] for g in rule_groups(stack_app("prod")) for r in g["rules"] if "alert" in r}
    assert alerts - firing == set(), "alerts without a test that shows them firing"
    assert alerts - ALWAYS_FIRING - silent == set(), "alerts without a test that shows them silent"
