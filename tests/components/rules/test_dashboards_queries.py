"""Every dashboard query, as Grafana would send it, parses with the real parsers: PromQL with promtool
(Prometheus' own parser), LogQL with Grafana's LogQL grammar; and names only metrics something exports.

Whether the PromQL also returns data is proven on a real Prometheus in tests/e2e/test_dashboards_e2e.py.
"""

from __future__ import annotations

import dataclasses
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.contract import COLORS
from components.rules.mixin import app_dashboards, rule_groups
from components.settings import AppSpec
from tests.support import grafana
from tests.support.known_metrics import known_metrics
from tests.support.logql import syntax_errors
from tests.support.promql import metric_names
from tests.support.stacks import stack_app
from tests.support.tools import require_tool

STACKS = ("dev", "staging", "prod")
# A 6h dashboard (the default) with the shipped 30s scrape interval (components/objects/networking.py).
DEFAULT_RANGE = grafana.TimeRange(seconds=6 * 3600, scrape_interval_seconds=30)
SAMPLE_REQUEST_ID = "3f9c2a7e1b5d4c60"


def _options(spec: AppSpec, model: dict[str, Any]) -> dict[str, list[str]]:
    """Plausible choices per variable: what label_values() would list on a running stack."""
    versions = sorted({spec.release.blue.version, spec.release.green.version, spec.app.version})
    known = {"color": list(COLORS), "version": versions, "request_id": [SAMPLE_REQUEST_ID]}
    return {
        v["name"]: grafana.custom_values(v) if v["type"] == "custom" else known[v["name"]]
        for v in grafana.variables(model)
    }


def interpolated(stack: str, datasource: str) -> Iterator[tuple[grafana.Target, str]]:
    """(target, query text) for every target of every dashboard of `stack`, for every selection."""
    spec = stack_app(stack)
    for model in app_dashboards(spec).values():
        picks = grafana.selections(model, _options(spec, model))
        for target in grafana.targets(model):
            if target.datasource == datasource:
                for chosen in picks:
                    yield target, grafana.interpolate(target.expr, model, chosen, DEFAULT_RANGE)


@pytest.mark.parametrize("stack", STACKS)
def test_every_promql_target_parses_with_promtool(stack: str, tmp_path: Path) -> None:
    """Each interpolated query as a recording rule: `promtool check rules` parses it with Prometheus' parser."""
    promtool = require_tool("promtool")
    queries = sorted({text for _, text in interpolated(stack, "prometheus")})
    assert queries
    rules = [{"record": f"dashboard:query_{i}:check", "expr": q} for i, q in enumerate(queries)]
    path = tmp_path / "dashboards.rules.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{len(queries)} rules found" in result.stdout


def test_promtool_rejects_a_broken_dashboard_query(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    path = tmp_path / "broken.rules.yml"
    broken = "sum by (color (rate(http_requests_total[1m]))"
    path.write_text(yaml.safe_dump({"groups": [{"name": "d", "rules": [{"record": "d:q:check", "expr": broken}]}]}))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0


@pytest.mark.parametrize("stack", STACKS)
def test_every_logql_target_parses_with_grafanas_logql_grammar(stack: str) -> None:
    pairs = list(interpolated(stack, "loki"))
    assert pairs
    errors = syntax_errors([text for _, text in pairs])
    failures = [f"{t.where}: {error}\n  {text}" for (t, text), error in zip(pairs, errors, strict=True) if error]
    assert not failures, "\n".join(failures)


def test_the_logql_grammar_rejects_a_broken_query() -> None:
    good = 'sum by (level) (count_over_time({app="web"} [1m]))'
    parsed, unclosed, unquoted = syntax_errors([good, good[:-1], "{app=web}"])
    assert parsed is None
    assert unclosed is not None and unquoted is not None


# --- metric names -----------------------------------------------------------------------------

GROUPS = rule_groups(stack_app("prod"))
KNOWN = known_metrics(GROUPS)


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        (
            'sum by (job) (rate(http_requests_total{status=~"5.."}[5m])) / on(job) x:y:z',
            {"http_requests_total", "x:y:z"},
        ),
        ("histogram_quantile(0.99, sum by (le) (rate(a_bucket[$__rate_interval]))) > 1e-3", {"a_bucket"}),
        ('absent(up{job="web"} == 1) or vector(1)', {"up"}),
        ("increase(foo[1h] offset 5m) > 3 and bool bar", {"foo", "bar"}),
        ("sum by (c) (a) / ignoring (c) group_left sum (b)", {"a", "b"}),
    ],
)
def test_the_extractor_finds_metric_names(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


def test_an_unknown_metric_is_caught() -> None:
    assert metric_names("rate(http_request_total[5m])") - KNOWN == {"http_request_total"}


def test_every_rule_names_only_known_metrics() -> None:
    for group in GROUPS:
        for rule in group["rules"]:
            assert metric_names(rule["expr"]) <= KNOWN, rule.get("alert") or rule.get("record")


@pytest.mark.parametrize("stack", STACKS)
def test_every_dashboard_query_names_only_known_metrics(stack: str) -> None:
    for model in app_dashboards(stack_app(stack)).values():
        for target in grafana.targets(model):
            if target.datasource == "prometheus":
                assert metric_names(target.expr) <= KNOWN, target.where


# --- Grafana's substitution, as modelled ------------------------------------------------------


def test_builtin_intervals_follow_grafanas_formulas() -> None:
    six_hours = grafana.TimeRange(seconds=21600, scrape_interval_seconds=30)
    assert six_hours.interval_seconds == 30  # 21.6s per point, never below the scrape interval
    assert six_hours.rate_interval_seconds == 120  # max(30 + 30, 4 x 30)
    week = grafana.TimeRange(seconds=7 * 86400, scrape_interval_seconds=30)
    assert (week.interval_seconds, week.rate_interval_seconds) == (605, 635)
    assert six_hours.builtins()["__range"] == "21600s"


def test_variables_are_written_the_way_grafana_writes_them() -> None:
    color = {"name": "color", "multi": True, "includeAll": True, "allValue": ".*"}
    assert grafana.format_value(color, grafana.ALL) == ".*"
    assert grafana.format_value(color, "blue") == "blue"
    assert grafana.format_value(color, ["blue", "green"]) == "(blue|green)"
    assert grafana.format_value(color, "1.4.2") == "1\\\\.4\\\\.2"  # a regex-escaped dot inside a PromQL string
    textbox = {"name": "request_id"}
    assert grafana.format_value(textbox, "a.b") == "a.b"
    model = {"uid": "x", "templating": {"list": [color]}}
    assert grafana.interpolate('up{c=~"$color"}[$__rate_interval]', model, {"color": "blue"}, DEFAULT_RANGE) == (
        'up{c=~"blue"}[120s]'
    )
    with pytest.raises(KeyError, match="colour"):
        grafana.interpolate('up{c=~"$colour"}', model, {"color": "blue"}, DEFAULT_RANGE)


# --- what the end-to-end evaluation covers ----------------------------------------------------


def _promql(spec: AppSpec) -> set[str]:
    return {t.expr for m in app_dashboards(spec).values() for t in grafana.targets(m) if t.datasource == "prometheus"}


@pytest.mark.parametrize("stack", ["dev", "staging"])
def test_the_other_stacks_queries_are_prods_with_their_namespace_and_slo(stack: str) -> None:
    """tests/e2e/test_dashboards_e2e.py runs prod's dashboards on a real Prometheus. The other stacks'
    queries differ only in the namespace and the SLO's budget, so that run covers them too; a query
    only another stack has would fail here, and needs the e2e to cover it."""
    prod, spec = stack_app("prod"), stack_app(stack)
    alerting = dataclasses.replace(spec.alerting, availability_objective=prod.alerting.availability_objective)
    as_prod = dataclasses.replace(spec, namespace=prod.namespace, alerting=alerting)
    assert _promql(spec) != _promql(as_prod)  # the namespace and the budget are in the queries
    assert _promql(as_prod) <= _promql(prod)
