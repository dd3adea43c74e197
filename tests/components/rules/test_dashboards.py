"""Every PromQL query in dashboards and rules names only metrics that something produces."""

from __future__ import annotations

import json

import pytest

from components.rules.dashboards import dashboards
from components.rules.mixin import rule_groups
from tests.support.known_metrics import known_metrics
from tests.support.promql import metric_names, prometheus_queries
from tests.support.stacks import stack_app

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


def test_dashboards_load_and_query_only_known_metrics() -> None:
    for filename, model in dashboards("web", "greenlight-prod").items():
        loaded = json.loads(json.dumps(model))
        queries = prometheus_queries(loaded)
        assert queries or filename.endswith("-logs.json")
        for expr in queries:
            assert metric_names(expr) <= KNOWN, (filename, expr)


def test_the_service_dashboard_shows_red_by_color_saturation_and_restarts() -> None:
    titles = [p["title"] for p in dashboards("web", "greenlight-prod")["web-service.json"]["panels"]]
    for expected in (
        "Request rate by color",
        "5xx error ratio by color",
        "Latency p50 / p95 / p99 by color",
        "Pod restarts",
    ):
        assert any(t.startswith(expected) for t in titles), expected
    assert any("CPU" in t for t in titles) and any("Memory" in t for t in titles)
