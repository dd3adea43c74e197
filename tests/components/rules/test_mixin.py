"""The alert rules users rely on: names, meaning, severities, runbooks, SLO thresholds, for_scale."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from components.rules.mixin import rule_groups
from components.rules.model import Alert, format_ms, scale_duration
from components.rules.slo import error_budget
from tests.support.preview import ROOT, preview
from tests.support.stacks import stack_app

RUNBOOKS = ROOT / "docs" / "runbooks"


def _alerts(groups: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in groups for r in g["rules"] if "alert" in r}


PROD = _alerts(rule_groups(stack_app("prod")))


def test_checklist_alerts_keep_their_names_and_meaning() -> None:
    high = PROD["HighErrorRate"]
    assert (
        high["expr"] == 'namespace_job:http_request_errors:ratio_rate5m{job="web", namespace="greenlight-prod"} > 0.05'
    )
    assert (high["for"], high["labels"]["severity"]) == ("5m", "critical")
    database = PROD["DatabaseDown"]
    # PostgreSQL itself (CloudNativePG's cnpg_collector_up on the primary), or its series absent: not `up`.
    assert database["expr"] == (
        'absent(cnpg_collector_up{job="database", namespace="greenlight-prod", cluster="web-db", role="primary"} == 1)'
    )
    assert (database["for"], database["labels"]["severity"]) == ("1m", "critical")
    # Once per database cluster and namespace: the labels routing and inhibitions use.
    assert database["labels"] == {
        "job": "database",
        "namespace": "greenlight-prod",
        "cnpg_cluster": "web-db",
        "severity": "critical",
    }


def test_a_replica_down_is_a_warning_only_where_there_are_replicas() -> None:
    degraded = PROD["DatabaseDegraded"]
    assert degraded["expr"] == (
        'count(cnpg_collector_up{job="database", namespace="greenlight-prod", cluster="web-db"} == 1) < 3'
    )
    assert (degraded["for"], degraded["labels"]["severity"]) == ("15m", "warning")
    dev = _alerts(rule_groups(stack_app("dev")))  # one instance: nothing to degrade
    assert "DatabaseDown" in dev and "DatabaseDegraded" not in dev


def test_the_ratio_high_error_rate_reads_counts_5xx_over_all_requests_of_the_app() -> None:
    records = {r["record"]: r["expr"] for g in rule_groups(stack_app("prod")) for r in g["rules"] if "record" in r}
    expr = records["namespace_job:http_request_errors:ratio_rate5m"]
    assert 'status=~"5.."' in expr and "[5m]" in expr
    assert expr.count('job="web", namespace="greenlight-prod"') == 2
    assert set(records) == {
        f"namespace_job:http_request_errors:ratio_rate{w}" for w in ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
    }


@pytest.mark.parametrize("name", sorted(PROD))
def test_every_alert_has_severity_annotations_and_an_existing_runbook(name: str) -> None:
    rule = PROD[name]
    assert rule["labels"]["severity"] in ("critical", "warning", "info")
    assert rule["annotations"]["summary"] and rule["annotations"]["description"]
    assert rule["annotations"]["runbook_url"] == f"https://github.com/acme/greenlight/blob/main/docs/runbooks/{name}.md"
    page = (RUNBOOKS / f"{name}.md").read_text()
    assert page.startswith(f"# {name}") and "## What to check" in page and "## What to do" in page


def test_runbook_links_follow_the_configured_base_url() -> None:
    settings = stack_app("dev", "greenlight:alerting.runbookBaseUrl=https://wiki.example/rb")
    assert (
        _alerts(rule_groups(settings))["Watchdog"]["annotations"]["runbook_url"]
        == "https://wiki.example/rb/Watchdog.md"
    )


def test_error_budget_is_exact() -> None:
    # The budget is what the burn-rate thresholds multiply; float arithmetic would give 0.0010000000000000009.
    assert (error_budget(99.9), error_budget(99.95), error_budget(99)) == (
        Decimal("0.001"),
        Decimal("0.0005"),
        Decimal("0.01"),
    )


def test_burn_rate_thresholds_follow_the_objective() -> None:
    fast, slow = PROD["ErrorBudgetBurnFast"]["expr"], PROD["ErrorBudgetBurnSlow"]["expr"]
    # SRE workbook pairs at a 0.1% budget: 14.4x, 6x page; 3x, 1x ticket.
    assert "ratio_rate1h" in fast and "> 0.0144" in fast and "ratio_rate30m" in fast and "> 0.006" in fast
    assert "ratio_rate1d" in slow and "> 0.003" in slow and "ratio_rate3d" in slow and "> 0.001" in slow
    assert PROD["ErrorBudgetBurnFast"]["labels"]["severity"] == "critical"
    assert PROD["ErrorBudgetBurnSlow"]["labels"]["severity"] == "warning"
    dev_fast = _alerts(rule_groups(stack_app("dev")))["ErrorBudgetBurnFast"]["expr"]
    assert "> 0.144" in dev_fast  # dev's objective is 99%


def test_for_scale_shortens_every_for_and_nothing_else() -> None:
    # A test-only setting: dev takes it, staging and prod refuse it (tests/components/settings/corpus/).
    dev = _alerts(rule_groups(stack_app("dev")))
    scaled = _alerts(rule_groups(stack_app("dev", "greenlight:alerting.forScale=0.01")))
    assert scaled["HighErrorRate"]["for"] == "3s" and scaled["DatabaseDown"]["for"] == "600ms"
    for name, rule in dev.items():
        assert scaled[name]["expr"] == rule["expr"] and scaled[name]["labels"] == rule["labels"]


def test_durations_scale_and_format_exactly() -> None:
    assert (scale_duration("5m", 1.0), scale_duration("1h", 0.5), scale_duration("0s", 0.1)) == ("5m", "30m", "0s")
    assert format_ms(90_000) == "90s"


def test_an_alert_with_an_unknown_severity_is_refused() -> None:
    with pytest.raises(ValueError, match="severity"):
        Alert(name="X", expr="vector(1)", for_="1m", severity="page", summary="s", description="d")


def test_the_prometheus_rule_is_labelled_for_the_stacks_prometheus_and_waits_for_the_crds() -> None:
    p = preview("prod")
    rule = p.manifest("PrometheusRule", "web-alerts")
    assert rule["metadata"]["namespace"] == "greenlight-prod"
    assert rule["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    [resource] = p.of_type("kubernetes:monitoring.coreos.com/v1:PrometheusRule")
    assert any(d.endswith("::monitoring-operator-crds") for d in resource.dependencies)


def test_database_alert_is_left_out_when_the_stack_has_no_database() -> None:
    settings = stack_app("dev", "greenlight:database.enabled=false")
    assert not {"DatabaseDown", "DatabaseDegraded"} & set(_alerts(rule_groups(settings)))


def test_no_runbook_is_orphaned() -> None:
    """Every page in docs/runbooks/ belongs to an alert (or is a procedure the README links)."""
    pages = {p.stem for p in Path(RUNBOOKS).glob("*.md")}
    readme = (ROOT / "README.md").read_text()
    procedures = {page for page in pages - set(PROD) if f"docs/runbooks/{page}.md" in readme}
    assert pages - set(PROD) - procedures == set()
