"""Alertmanager routing as amtool sees it, and that receiver secrets never leave Pulumi secrets."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
import yaml

from components.objects.alertmanager import build_config
from tests.support.preview import preview
from tests.support.stacks import TEST_SECRETS, stack_settings
from tests.support.tools import require_tool


def _write(tmp_path: Path, secrets: dict[str, str], stack: str = "prod") -> Path:
    path = tmp_path / "alertmanager.yaml"
    path.write_text(yaml.safe_dump(build_config(stack_settings(stack), secrets)))
    return path


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("amtool"), *args], capture_output=True, text=True, check=False, timeout=60)


def test_the_config_passes_amtool_check_config(tmp_path: Path) -> None:
    result = _amtool("check-config", str(_write(tmp_path, TEST_SECRETS)))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=HighErrorRate", "severity=critical", "namespace=greenlight-prod"], "pagerduty"),
        (["alertname=HighLatencyP99", "severity=warning", "namespace=greenlight-prod"], "slack"),
        (["alertname=Watchdog", "severity=info"], "dead-mans-switch"),
        (["alertname=SomethingInformational", "severity=info"], "null"),
    ],
)
def test_alerts_reach_their_receivers(tmp_path: Path, labels: list[str], receiver: str) -> None:
    config = str(_write(tmp_path, TEST_SECRETS))
    result = _amtool("config", "routes", "test", f"--config.file={config}", f"--verify.receivers={receiver}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_without_pagerduty_critical_alerts_still_reach_chat(tmp_path: Path) -> None:
    config = str(_write(tmp_path, {"slack_webhook_url": TEST_SECRETS["slack_webhook_url"]}, stack="dev"))
    result = _amtool(
        "config", "routes", "test", f"--config.file={config}", "severity=critical", "alertname=DatabaseDown"
    )
    assert result.stdout.strip() == "slack"


def test_critical_inhibits_the_matching_warning() -> None:
    [rule] = build_config(stack_settings("prod"), TEST_SECRETS)["inhibit_rules"]
    assert rule == {
        "source_matchers": ['severity="critical"'],
        "target_matchers": ['severity="warning"'],
        "equal": ["alertname", "namespace"],
    }


def test_receiver_settings_come_from_typed_settings() -> None:
    receivers = {r["name"]: r for r in build_config(stack_settings("prod"), TEST_SECRETS)["receivers"]}
    assert receivers["slack"]["slack_configs"][0]["channel"] == "#payments-alerts"
    assert receivers["pagerduty"]["pagerduty_configs"][0]["routing_key"] == TEST_SECRETS["pagerduty_routing_key"]
    assert receivers["dead-mans-switch"]["webhook_configs"][0]["url"] == TEST_SECRETS["dead_mans_switch_url"]


def test_the_rendered_config_is_a_secret_and_no_helm_values_hold_secrets() -> None:
    p = preview("prod")
    secret = p.manifest("Secret", "alertmanager-greenlight")
    assert secret["stringData"] == {"alertmanager.yaml": "[secret]"}
    am = p.helm()["kube-prometheus-stack"]["values"]["alertmanager"]["alertmanagerSpec"]
    assert (am["useExistingSecret"], am["configSecret"]) == (True, "alertmanager-greenlight")
    for release, record in p.helm().items():
        dumped = yaml.safe_dump(record["values"])
        assert "offline-secret" not in dumped and "[secret]" not in dumped, release
