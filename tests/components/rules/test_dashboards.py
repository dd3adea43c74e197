"""The dashboards an app ships: which ones, what they show, Grafana's schema, and the alerts' panel links."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any
from urllib.parse import parse_qs, urlparse

import pytest
from grafana_foundation_sdk.cog.encoder import JSONEncoder
from grafana_foundation_sdk.cog.plugins import register_default_plugins
from grafana_foundation_sdk.models.dashboard import Dashboard as DashboardModel

from components.objects import alloy, gate
from components.rules import dashboards, dashboards_kit, dashboards_logs, dashboards_release, mixin
from components.rules.dashboards_service import ServicePanel
from components.settings import AppSpec
from tests.support.grafana import targets
from tests.support.promql import metric_names
from tests.support.stacks import stack_app

PROD = stack_app("prod")
DEV = stack_app("dev")


def _titles(model: dict[str, Any]) -> list[str]:
    return [p["title"] for p in model["panels"]]


def _panel(model: dict[str, Any], panel_id: int) -> dict[str, Any]:
    [panel] = [p for p in model["panels"] if p["id"] == panel_id]
    return panel


def test_each_stack_ships_the_dashboards_its_app_has() -> None:
    everything = {"web-service.json", "web-release.json", "web-database.json", "web-logs.json"}
    assert set(mixin.app_dashboards(PROD)) == everything
    # dev: rolling updates (no colors, no release dashboard), a database without backups.
    assert set(mixin.app_dashboards(DEV)) == {"web-service.json", "web-database.json", "web-logs.json"}
    no_database = dataclasses.replace(DEV, database=dataclasses.replace(DEV.database, enabled=False))
    assert set(mixin.app_dashboards(no_database)) == {"web-service.json", "web-logs.json"}


def _without_empty_custom(model: Any) -> Any:
    """The decoder fills in an empty `custom` field config where a panel sets none: the same dashboard."""
    if isinstance(model, dict):
        return {k: _without_empty_custom(v) for k, v in model.items() if not (k == "custom" and v == {})}
    if isinstance(model, list):
        return [_without_empty_custom(v) for v in model]
    return model


def test_the_json_is_grafanas_own_model() -> None:
    """Decoded with the SDK's Grafana model (panels and queries by their plugin types) and encoded
    again, every shipped dashboard comes back unchanged: nothing in it is outside Grafana's schema."""
    register_default_plugins()
    for filename, model in mixin.app_dashboards(PROD).items():
        decoded = DashboardModel.from_json(json.loads(json.dumps(model)))
        again = _without_empty_custom(json.loads(JSONEncoder(sort_keys=True).encode(decoded)))
        assert again == model, filename


def test_panels_have_unique_ids_and_fill_the_grid_without_overlap() -> None:
    for filename, model in mixin.app_dashboards(PROD).items():
        ids = [p["id"] for p in model["panels"]]
        assert len(ids) == len(set(ids)), filename
        cells: set[tuple[int, int]] = set()
        for panel in model["panels"]:
            pos = panel["gridPos"]
            assert 0 <= pos["x"] and pos["x"] + pos["w"] <= dashboards_kit.GRID_COLUMNS, (filename, panel["title"])
            area = {(x, y) for x in range(pos["x"], pos["x"] + pos["w"]) for y in range(pos["y"], pos["y"] + pos["h"])}
            assert not cells & area, (filename, panel["title"])
            cells |= area


def test_dashboards_are_read_only_and_linked_to_each_other() -> None:
    for model in mixin.app_dashboards(PROD).values():
        assert model["editable"] is False  # changes go through code review
        assert "web" in model["tags"]
        [link] = model["links"]
        assert link["type"] == "dashboards" and link["tags"] == ["web"]


def test_the_service_dashboard_answers_red_slo_saturation_restarts() -> None:
    model = mixin.app_dashboards(PROD)["web-service.json"]
    titles = " / ".join(_titles(model))
    for expected in (
        "Requests per second by color and version",
        "5xx error ratio by color and version",
        "Latency p50 / p95 / p99 by color and version",
        "Error-budget burn rate (99.9% availability SLO)",
        "Error budget left (30d)",
        "CPU used / CPU limit",
        "Memory working set / memory limit",
        "Container restarts",
    ):
        assert expected in titles
    names = {v["name"] for v in model["templating"]["list"]}
    assert names == {"color", "version"}
    errors = _panel(model, ServicePanel.ERRORS)
    assert errors["fieldConfig"]["defaults"]["thresholds"]["steps"][-1]["value"] == PROD.alerting.error_rate_threshold


def test_burn_rates_are_in_units_of_the_budget() -> None:
    burn = _panel(mixin.app_dashboards(PROD)["web-service.json"], ServicePanel.BURN)
    exprs = [t["expr"] for t in burn["targets"]]
    assert all(e.endswith("/ 0.001") for e in exprs)  # 99.9% -> 0.1% budget
    assert [t["legendFormat"] for t in burn["targets"]] == ["1h window", "6h window", "1d window", "3d window"]
    lines = [s["value"] for s in burn["fieldConfig"]["defaults"]["thresholds"]["steps"][1:]]
    assert lines == [1, 3, 6, 14.4]  # the SRE workbook's burn rates


def test_the_release_dashboard_measures_each_colors_share_of_requests() -> None:
    share = _panel(mixin.app_dashboards(PROD)["web-release.json"], dashboards_release.ReleasePanel.SHARE)
    [target] = share["targets"]
    assert "ignoring (greenlight_dev_color) group_left" in target["expr"]
    assert share["fieldConfig"]["defaults"]["unit"] == "percentunit"


def test_the_gate_panels_select_the_gate_jobs_the_release_creates() -> None:
    """The dashboard's job_name regex matches the names objects/gate.py gives gate Jobs, and nothing else."""
    pattern = re.search(r'job_name=~"([^"]+)"', dashboards_release.gate_jobs(PROD))
    assert pattern
    name = gate.gate_job_name(PROD, "green", "1.5.0", "ghcr.io/acme/greenlight-web:1.5.0")
    assert re.fullmatch(pattern.group(1), name)
    assert not re.fullmatch(pattern.group(1), "web-migrate-1a2b3c4d")
    verdicts = _panel(mixin.app_dashboards(PROD)["web-release.json"], dashboards_release.ReleasePanel.VERDICTS)
    assert verdicts["type"] == "state-timeline"
    assert {v["text"] for v in verdicts["fieldConfig"]["defaults"]["mappings"][0]["options"].values()} == {
        "passed",
        "running",
        "failed",
    }


def test_the_database_dashboard_shows_backups_only_where_they_run() -> None:
    prod = " / ".join(_titles(mixin.app_dashboards(PROD)["web-database.json"]))
    dev = " / ".join(_titles(mixin.app_dashboards(DEV)["web-database.json"]))
    for title in ("PostgreSQL up", "Connections", "Replication lag", "WAL"):
        assert title in prod and title in dev
    assert "Age of the newest base backup" in prod
    assert "base backup" not in dev


def test_the_logs_dashboard_uses_the_labels_alloy_sets() -> None:
    labels = set(alloy.STREAM_LABELS.values()) | {alloy.LEVEL_LABEL}
    model = mixin.app_dashboards(PROD)["web-logs.json"]
    for target in targets(model):
        used = set(re.findall(r"(\w+)=~?\"", target.expr.split("}")[0]))
        assert used <= labels, target.where
    assert any(f"| {alloy.REQUEST_ID_METADATA}=" in t.expr for t in targets(model))
    assert {"request_id", "level"} == {v["name"] for v in model["templating"]["list"]}
    assert dashboards_logs.LOG_LEVELS[-2:] == ("error", "critical")


def test_a_long_app_name_keeps_the_uid_within_grafanas_limit() -> None:
    long_name = "a" * 63
    uid = dashboards_kit.dashboard_uid(long_name, "database")
    assert len(uid) <= dashboards_kit.UID_MAX_LENGTH and uid.endswith("-database")
    assert uid != dashboards_kit.dashboard_uid("a" * 62 + "b", "database")


# --- alert links ------------------------------------------------------------------------------


def _alerts(spec: AppSpec) -> list[dict[str, Any]]:
    return [r for g in mixin.rule_groups(spec) for r in g["rules"] if "alert" in r]


def _recorded_sources(spec: AppSpec) -> dict[str, set[str]]:
    return {r["record"]: metric_names(r["expr"]) for g in mixin.rule_groups(spec) for r in g["rules"] if "record" in r}


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_every_alert_links_the_panel_that_explains_it(stack: str) -> None:
    """Each link opens an existing panel that reads what the alert reads (through recording rules)."""
    spec = stack_app(stack)
    shipped = {m["uid"]: m for m in mixin.app_dashboards(spec).values()}
    recorded = _recorded_sources(spec)
    for alert in _alerts(spec):
        if alert["alert"] == "Watchdog":  # always firing by design: nothing to explain
            assert "dashboard_url" not in alert["annotations"]
            continue
        url = urlparse(alert["annotations"]["dashboard_url"])
        assert f"{url.scheme}://{url.netloc}" == spec.alerting.grafana_url
        uid = url.path.removeprefix("/d/")
        panel = _panel(shipped[uid], int(parse_qs(url.query)["viewPanel"][0]))
        alert_reads = set().union(*(recorded.get(n, {n}) for n in metric_names(alert["expr"])))
        panel_reads = set().union(*(metric_names(t["expr"]) for t in panel["targets"]))
        assert alert_reads & panel_reads, (alert["alert"], panel["title"])


def test_the_grafana_url_setting_moves_every_link() -> None:
    spec = dataclasses.replace(PROD, alerting=dataclasses.replace(PROD.alerting, grafana_url="https://grafana.acme"))
    urls = dashboards.alert_dashboard_urls(spec)
    assert urls["HighErrorRate"] == f"https://grafana.acme/d/web-service?viewPanel={ServicePanel.ERRORS}"
    assert all(u.startswith("https://grafana.acme/d/") for u in urls.values())
