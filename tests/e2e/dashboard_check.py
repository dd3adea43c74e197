"""Evaluate every PromQL target of a Grafana dashboard on a real Prometheus, as Grafana would send it.

For each selection of the dashboard's variables (every variable on "All", then each option alone;
options come from running the variables' own label_values() queries), each target is interpolated
(tests/support/grafana.py) and sent to the query API over a time range. A target fails when:
- Prometheus answers with an error (a syntax or type error);
- it reads a metric name no scrape target or recording rule produces (a typo, even one hidden behind
  an `or` fallback);
- it returns no series (a wrong label value or selector empties a panel as surely as a wrong name);
- it splits by color (its legend names the color label) and, with every color selected, does not show
  every color the app runs, or, with one color selected, shows another.
"""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from components.contract import COLOR
from tests.support import grafana
from tests.support.promql import metric_names

HTTP_TIMEOUT_SECONDS = 10
TEXTBOX_SAMPLE = "e2e-request-id"


@dataclass(frozen=True)
class Problem:
    where: str
    query: str
    message: str

    def __str__(self) -> str:
        return f"{self.where}: {self.message}\n    {self.query}"


@dataclass
class Evaluation:
    queries: int = 0
    series: int = 0
    targets: set[str] = field(default_factory=set)  # Target.where of each target sent to Prometheus


class DashboardChecker:
    def __init__(self, base_url: str, colors: set[str]) -> None:
        self.base_url = base_url
        self.colors = colors
        self.evaluation = Evaluation()

    def _get(self, path: str, **params: str) -> Any:
        url = f"{self.base_url}{path}?{urllib.parse.urlencode(params)}"
        try:
            with urllib.request.urlopen(url, timeout=HTTP_TIMEOUT_SECONDS) as response:
                return json.loads(response.read())
        except urllib.error.HTTPError as error:  # 400/422: Prometheus explains in the body
            return json.loads(error.read() or b"{}")

    def metric_names(self) -> set[str]:
        """Names with series, and names the loaded recording rules record (a ratio of errors records
        nothing while there are no errors: the name is still real)."""
        exported = set(self._get("/api/v1/label/__name__/values")["data"])
        groups = self._get("/api/v1/rules", type="record")["data"]["groups"]
        return exported | {rule["name"] for group in groups for rule in group["rules"]}

    def label_values(self, selector: str | None, label: str) -> list[str]:
        """What Grafana's label_values(selector, label) lists (it asks the series or labels API)."""
        params = {"match[]": selector} if selector else {}
        answer = self._get(f"/api/v1/label/{label}/values", **params)
        return sorted(answer.get("data") or [])

    def variable_options(self, model: Mapping[str, Any]) -> dict[str, list[str]]:
        options = {}
        for variable in grafana.variables(model):
            if variable["type"] == "query":
                options[variable["name"]] = self.label_values(*grafana.label_values_query(variable))
            elif variable["type"] == "custom":
                options[variable["name"]] = grafana.custom_values(variable)
            else:
                options[variable["name"]] = [TEXTBOX_SAMPLE]
        return options

    def query(self, expr: str, target: grafana.Target, time_range: grafana.TimeRange, end: float) -> dict[str, Any]:
        self.evaluation.queries += 1
        if target.instant:
            answer: dict[str, Any] = self._get("/api/v1/query", query=expr, time=f"{end:.3f}")
            return answer
        start = end - time_range.seconds
        step = f"{time_range.interval_seconds}s"
        answer = self._get("/api/v1/query_range", query=expr, start=f"{start:.3f}", end=f"{end:.3f}", step=step)
        return answer

    def check(self, model: Mapping[str, Any], time_range: grafana.TimeRange) -> list[Problem]:
        """Every problem of every PromQL target of `model`, for every variable selection."""
        known, end = self.metric_names(), time.time()
        options = self.variable_options(model)
        problems = [
            Problem(model["uid"], f"variable ${name}", "its query lists no option")
            for name, values in options.items()
            if not values
        ]
        for chosen in grafana.selections(model, options):
            for target in grafana.targets(model):
                if target.datasource == "prometheus":
                    expr = grafana.interpolate(target.expr, model, chosen, time_range)
                    problems += self._check_target(target, expr, chosen, known, time_range, end)
        return problems

    def _check_target(
        self,
        target: grafana.Target,
        expr: str,
        chosen: Mapping[str, str],
        known: set[str],
        time_range: grafana.TimeRange,
        end: float,
    ) -> list[Problem]:
        where = f"{target.where} with {dict(chosen)} over {time_range.seconds}s"
        unknown = metric_names(expr) - known
        if unknown:
            return [Problem(where, expr, f"reads {sorted(unknown)}, which nothing exports or records")]
        answer = self.query(expr, target, time_range, end)
        self.evaluation.targets.add(target.where)
        if answer.get("status") != "success":
            return [Problem(where, expr, f"Prometheus error: {answer.get('errorType')}: {answer.get('error')}")]
        result = answer["data"]["result"]
        self.evaluation.series += len(result)
        if not result:
            return [Problem(where, expr, "returns no data")]
        if f"{{{{{COLOR}}}}}" in target.legend:
            return self._check_colors(where, expr, result, chosen)
        return []

    def _check_colors(
        self, where: str, expr: str, result: list[dict[str, Any]], chosen: Mapping[str, str]
    ) -> list[Problem]:
        """Nothing picked: every color shows; a color picked: that color only (a version picked: the
        colors running it, whichever they are)."""
        shown = {series["metric"].get(COLOR, "") for series in result}
        color = chosen.get("color", grafana.ALL)
        if color != grafana.ALL:
            wanted = {color}
        elif all(value == grafana.ALL for value in chosen.values()):
            wanted = self.colors
        else:
            wanted = shown & self.colors or self.colors
        if shown != wanted:
            return [Problem(where, expr, f"shows colors {sorted(shown)}, expected {sorted(wanted)}")]
        return []
