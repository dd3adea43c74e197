"""Every PromQL query of every shipped dashboard, evaluated on the real Prometheus of the end-to-end stack:
the reference service serving both colors under traffic, the rendered rules recording, stand-in
exporters for what a laptop lacks (tests/e2e/stand_ins.py).

The dashboards are read from the rendered ConfigMaps, as Grafana's sidecar loads them; each query is
checked at the e2e's own time range (60s, 1s scrapes) and at the dashboards' default (6h, with the
shipped 30s scrape interval as Grafana's data source knows it).
"""

from __future__ import annotations

import copy
import json
import time
from typing import Any

import pytest

from components.contract import COLOR, COLORS, DASHBOARD_LABEL, HTTP_REQUESTS
from components.rules.dashboards_service import ServicePanel
from tests.e2e.conftest import AlertingStack
from tests.e2e.dashboard_check import DashboardChecker, Evaluation, Problem
from tests.support import grafana

pytestmark = pytest.mark.slow

E2E_RANGE = grafana.TimeRange(seconds=60, scrape_interval_seconds=1)  # the e2e scrapes every second
SHIPPED_RANGE = grafana.TimeRange(seconds=6 * 3600, scrape_interval_seconds=30)  # the dashboards' default
WARM_UP_TIMEOUT = 60  # until every rate window holds samples of both colors and every exporter
POLL_SECONDS = 1.0


def shipped_dashboards(stack: AlertingStack) -> dict[str, dict[str, Any]]:
    """uid -> model, from the ConfigMaps the stack renders for Grafana's sidecar."""
    label, value = next(iter(DASHBOARD_LABEL.items()))
    models = [
        json.loads(text)
        for cm in stack.rendered.manifests("ConfigMap")
        if cm["metadata"]["labels"].get(label) == value
        for text in cm["data"].values()
    ]
    return {m["uid"]: m for m in models}


def check_all(checker: DashboardChecker, dashboards: dict[str, dict[str, Any]]) -> list[Problem]:
    return [p for m in dashboards.values() for r in (E2E_RANGE, SHIPPED_RANGE) for p in checker.check(m, r)]


@pytest.fixture(scope="module")
def checked(alerting_stack: AlertingStack) -> tuple[AlertingStack, DashboardChecker, list[Problem]]:
    """Checks every dashboard until none has a problem (the warm-up) or WARM_UP_TIMEOUT passes."""
    checker = DashboardChecker(alerting_stack.prometheus.base_url, set(alerting_stack.services))
    dashboards = shipped_dashboards(alerting_stack)
    started = time.monotonic()
    while True:
        checker.evaluation = Evaluation()
        problems = check_all(checker, dashboards)
        if not problems or time.monotonic() - started > WARM_UP_TIMEOUT:
            break
        time.sleep(POLL_SECONDS)
    print(
        f"\ndashboards: {len(dashboards)}, queries evaluated: {checker.evaluation.queries}, "
        f"series returned: {checker.evaluation.series}, after {time.monotonic() - started:.0f}s"
    )
    return alerting_stack, checker, problems


def test_every_dashboard_is_shipped_and_every_promql_target_returns_data(
    checked: tuple[AlertingStack, DashboardChecker, list[Problem]],
) -> None:
    stack, checker, problems = checked
    dashboards = shipped_dashboards(stack)
    assert set(dashboards) == {"web-service", "web-release", "web-database", "web-logs"}
    assert not problems, "\n".join(map(str, problems))
    every = [t for model in dashboards.values() for t in grafana.targets(model)]
    # Nothing is left out: each PromQL target went to Prometheus; the rest are LogQL, which
    # tests/components/rules/test_dashboards_queries.py parses (no Loki binary here).
    assert {t.datasource for t in every} == {"prometheus", "loki"}
    assert checker.evaluation.targets == {t.where for t in every if t.datasource == "prometheus"}


def test_the_variables_list_what_the_release_runs(
    checked: tuple[AlertingStack, DashboardChecker, list[Problem]],
) -> None:
    stack, checker, _ = checked
    options = checker.variable_options(shipped_dashboards(stack)["web-service"])
    release = stack.settings.release
    assert options == {"color": sorted(COLORS), "version": sorted({release.blue.version, release.green.version})}


def test_the_red_panels_show_both_colors_and_one_when_one_is_picked(
    checked: tuple[AlertingStack, DashboardChecker, list[Problem]],
) -> None:
    stack, checker, _ = checked
    model = shipped_dashboards(stack)["web-service"]
    red = {ServicePanel.REQUESTS, ServicePanel.ERRORS, ServicePanel.LATENCY}
    for target in (t for t in grafana.targets(model) if t.panel_id in red):
        for color in (grafana.ALL, *COLORS):
            chosen = {"color": color, "version": grafana.ALL}
            expr = grafana.interpolate(target.expr, model, chosen, E2E_RANGE)
            answer = checker.query(expr, target, E2E_RANGE, time.time())
            shown = {s["metric"][COLOR] for s in answer["data"]["result"]}
            assert shown == (set(COLORS) if color == grafana.ALL else {color}), (target.where, color)


def _broken(model: dict[str, Any], panel_id: int, old: str, new: str) -> dict[str, Any]:
    broken = copy.deepcopy(model)
    for panel in broken["panels"]:
        if panel["id"] == panel_id:
            for target in panel["targets"]:
                assert old in target["expr"]
                target["expr"] = target["expr"].replace(old, new)
    return broken


def test_a_deliberately_broken_metric_name_fails_the_check(
    checked: tuple[AlertingStack, DashboardChecker, list[Problem]],
) -> None:
    stack, checker, _ = checked
    model = shipped_dashboards(stack)["web-service"]
    typo = HTTP_REQUESTS.replace("requests", "request")  # http_request_total
    problems = checker.check(_broken(model, ServicePanel.ERRORS, HTTP_REQUESTS, typo), E2E_RANGE)
    assert problems
    assert {p.where.split(" with ")[0] for p in problems} == {
        f"web-service panel {ServicePanel.ERRORS} '5xx error ratio by color and version' query A"
    }
    assert all(typo in p.message for p in problems)
    print("\n" + str(problems[0]))


def test_a_deliberately_wrong_label_value_fails_the_check(
    checked: tuple[AlertingStack, DashboardChecker, list[Problem]],
) -> None:
    """A wrong label value empties the panel without any error: the check still catches it."""
    stack, checker, _ = checked
    model = shipped_dashboards(stack)["web-service"]
    namespace = stack.settings.app_namespace
    broken = _broken(model, ServicePanel.REQUESTS, f'namespace="{namespace}"', f'namespace="{namespace}x"')
    problems = checker.check(broken, E2E_RANGE)
    assert problems and all(p.message == "returns no data" for p in problems)
