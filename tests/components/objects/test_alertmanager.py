"""The Alertmanager config as rendered: plain, judged by amtool, credentials only as mounted files."""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.objects import alertmanager as am
from scripts import render_diff
from tests.support.alertmanager import as_judged, rendered_config
from tests.support.preview import preview
from tests.support.tools import require_tool

STACKS = ("dev", "staging", "prod")


def _amtool(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([require_tool("amtool"), *args], capture_output=True, text=True, check=False, timeout=60)


def _judged_file(tmp_path: Path, stack: str) -> tuple[Path, list[str]]:
    config, changed = as_judged(rendered_config(stack), require_tool("amtool"))
    path = tmp_path / f"alertmanager-{stack}.yaml"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    return path, changed


def _file_keys(config: dict[str, Any]) -> dict[str, str]:
    """Every `*_file` key of every receiver integration -> the path it names."""
    found = {}
    for receiver in config["receivers"]:
        for integration, entries in receiver.items():
            for entry in entries if integration.endswith("_configs") else []:
                found |= {f"{receiver['name']}.{key}": path for key, path in entry.items() if key.endswith("_file")}
    return found


@pytest.mark.parametrize("stack", STACKS)
def test_the_rendered_config_passes_amtool_check_config(tmp_path: Path, stack: str) -> None:
    path, changed = _judged_file(tmp_path, stack)
    result = _amtool("check-config", str(path))
    assert result.returncode == 0, result.stdout + result.stderr
    # Only the dead-man's switch's url_file may be adapted for an amtool older than 0.26.
    assert all(c.startswith("webhook url_file ") for c in changed), changed
    print(f"{stack}: amtool check-config on the rendered config; adapted for this amtool: {changed or 'nothing'}")


@pytest.mark.parametrize(
    ("labels", "receiver"),
    [
        (["alertname=HighErrorRate", "severity=critical", "namespace=greenlight-prod", "job=web"], "pagerduty"),
        (["alertname=ErrorBudgetBurnFast", "severity=critical", "namespace=greenlight-prod", "job=web"], "pagerduty"),
        (["alertname=DatabaseDown", "severity=critical", "namespace=greenlight-prod", "job=database"], "pagerduty"),
        (["alertname=HighLatencyP99", "severity=warning", "namespace=greenlight-prod"], "slack"),
        (["alertname=TargetDown", "severity=warning", "namespace=greenlight-prod"], "slack"),
        (["alertname=Watchdog", "severity=info"], "dead-mans-switch"),
        (["alertname=SomethingInformational", "severity=info"], "null"),
        # kube-prometheus-stack's InfoInhibitor has severity "none": without its route it would reach chat.
        (["alertname=InfoInhibitor", "severity=none", "namespace=greenlight-prod"], "null"),
        (["alertname=NoSeverityLabel", "namespace=greenlight-prod"], "slack"),
    ],
)
def test_alerts_reach_their_receivers(tmp_path: Path, labels: list[str], receiver: str) -> None:
    path, _ = _judged_file(tmp_path, "prod")
    result = _amtool("config", "routes", "test", f"--config.file={path}", f"--verify.receivers={receiver}", *labels)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.strip() == receiver


def test_without_pagerduty_critical_alerts_still_reach_chat(tmp_path: Path) -> None:
    path, _ = _judged_file(tmp_path, "dev")
    result = _amtool("config", "routes", "test", f"--config.file={path}", "severity=critical", "alertname=DatabaseDown")
    assert result.stdout.strip() == "slack"


def test_the_error_pages_of_one_app_share_one_group_so_one_pagerduty_incident() -> None:
    [critical] = [r for r in rendered_config("prod")["route"]["routes"] if r["matchers"] == ['severity="critical"']]
    [errors] = critical["routes"]
    assert errors == {
        "matchers": ['alertname=~"HighErrorRate|ErrorBudgetBurnFast"'],
        "group_by": ["namespace", "job"],
    }


@pytest.mark.parametrize("stack", STACKS)
def test_the_rendered_config_is_plain_and_holds_no_credential(stack: str) -> None:
    dumped = yaml.safe_dump(rendered_config(stack))
    # Placeholder secrets of the offline preview, and the redaction marker of secret values.
    assert "[secret]" not in dumped and "placeholder" not in dumped and "offline-secret" not in dumped
    for release, record in preview(stack).helm().items():
        values = yaml.safe_dump(record["values"])
        assert "placeholder" not in values and "[secret]" not in values, release


def test_credentials_are_files_from_the_mounted_receivers_secret() -> None:
    p = preview("prod")
    values = p.helm()["kube-prometheus-stack"]["values"]["alertmanager"]
    assert values["alertmanagerSpec"]["secrets"] == [am.RECEIVERS_SECRET]
    assert not {"useExistingSecret", "configSecret"} & set(values["alertmanagerSpec"])
    secret = p.manifest("Secret", am.RECEIVERS_SECRET)
    assert secret["stringData"] == {key: "[secret]" for key in secret["stringData"]}  # Pulumi secrets
    files = _file_keys(values["config"])
    assert files == {
        "pagerduty.routing_key_file": "/etc/alertmanager/secrets/alertmanager-receivers/pagerduty-routing-key",
        "slack.api_url_file": "/etc/alertmanager/secrets/alertmanager-receivers/slack-webhook-url",
        "dead-mans-switch.url_file": "/etc/alertmanager/secrets/alertmanager-receivers/dead-mans-switch-url",
    }
    assert {path.rsplit("/", 1)[1] for path in files.values()} == set(secret["stringData"])


def test_a_stack_mounts_only_the_credentials_it_has() -> None:
    dev = preview("dev")  # Slack only
    assert set(dev.manifest("Secret", am.RECEIVERS_SECRET)["stringData"]) == {am.SLACK_URL}
    assert list(_file_keys(rendered_config("dev"))) == ["slack.api_url_file"]


def test_receiver_settings_come_from_typed_settings() -> None:
    receivers = {r["name"]: r for r in rendered_config("prod")["receivers"]}
    assert receivers["slack"]["slack_configs"][0]["channel"] == "#payments-alerts"
    assert receivers["pagerduty"]["pagerduty_configs"][0]["send_resolved"] is True


def test_the_config_sets_every_key_of_the_charts_default_so_helm_merges_nothing_in() -> None:
    # kube-prometheus-stack values.yaml alertmanager.config: global, inhibit_rules, route, receivers, templates.
    config = rendered_config("prod")
    assert set(config) == {"global", "inhibit_rules", "route", "receivers", "templates"}
    chart_route_keys = {"group_by", "group_wait", "group_interval", "repeat_interval", "receiver", "routes"}
    assert chart_route_keys <= set(config["route"])


def test_a_routing_change_shows_in_the_pull_request_diff() -> None:
    """What scripts/render_diff.py reports for a change of the chat channel: the old and new value, in clear."""
    base, head = preview("prod"), preview("prod", "greenlight:alerting.slackChannel=#payments-oncall")
    diff = render_diff.diff_renders(base.out, head.out, "prod")
    [(identity, changes)] = diff.changed.items()
    assert identity == "HelmChart kube-prometheus-stack"
    [change] = [c for c in changes if c.path.endswith("channel")]
    assert (change.before, change.after) == ("#payments-alerts", "#payments-oncall")
    assert "#payments-oncall" in render_diff.format_stack(diff)
