"""Read a Grafana dashboard model the way Grafana does before it sends a query: its targets, its
template variables, and the text substitution of `$__rate_interval`, `$__interval`, `$__range`,
`$__auto` and `$var` / `${var}`.

Substitution follows Grafana's rules (docs: "Prometheus template variables", "Global variables",
"Formatting multi-value variables"; code: the Prometheus data source's interpolateQueryExpr and
escaping.ts):
- `$__interval` = time range / max data points, never below the data source's scrape interval;
  `$__rate_interval` = max($__interval + scrape interval, 4 x scrape interval); `$__range` = the time
  range in whole seconds; Loki's `$__auto` = the step, like `$__interval`;
- a variable that is neither multi-value nor has "All": its value as is; otherwise each value is
  regex-escaped and several are joined as `(a|b)`; "All" with a custom all value becomes that value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

ALL = "$__all"  # Grafana's value for the "All" option
# Characters Grafana's prometheusSpecialRegexEscape escapes (classic behaviour).
_REGEX_SPECIAL = re.compile(r"[$^*{}\[\]+?.()|]")
_VARIABLE = re.compile(r"\$\{(\w+)(?::\w+)?\}|\$(\w+)")
DEFAULT_MAX_DATA_POINTS = 1000  # about the width in pixels of a full-width panel


@dataclass(frozen=True)
class Target:
    """One query of one panel."""

    dashboard: str
    panel_id: int
    panel_title: str
    ref_id: str
    datasource: str  # "prometheus" or "loki"
    expr: str
    legend: str
    instant: bool

    @property
    def where(self) -> str:
        return f"{self.dashboard} panel {self.panel_id} {self.panel_title!r} query {self.ref_id}"


@dataclass(frozen=True)
class TimeRange:
    """What Grafana knows when it interpolates: the range, the panel's data points, the scrape interval."""

    seconds: int
    scrape_interval_seconds: int
    max_data_points: int = DEFAULT_MAX_DATA_POINTS

    @property
    def interval_seconds(self) -> int:
        return max(math.ceil(self.seconds / self.max_data_points), self.scrape_interval_seconds)

    @property
    def rate_interval_seconds(self) -> int:
        scrape = self.scrape_interval_seconds
        return max(self.interval_seconds + scrape, 4 * scrape)

    def builtins(self) -> dict[str, str]:
        return {
            "__rate_interval": f"{self.rate_interval_seconds}s",
            "__interval": f"{self.interval_seconds}s",
            "__auto": f"{self.interval_seconds}s",
            "__range": f"{self.seconds}s",
        }


def _panels(model: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    for panel in model.get("panels", []):
        yield panel
        yield from panel.get("panels", [])  # a collapsed row keeps its panels inside


def targets(model: Mapping[str, Any]) -> list[Target]:
    """Every query of every panel, with the data source type it goes to."""
    found = []
    for panel in _panels(model):
        for target in panel.get("targets", []):
            source = (target.get("datasource") or panel.get("datasource") or {}).get("type", "")
            found.append(
                Target(
                    dashboard=model["uid"],
                    panel_id=panel["id"],
                    panel_title=panel.get("title", ""),
                    ref_id=target.get("refId", ""),
                    datasource=source,
                    expr=target["expr"],
                    legend=target.get("legendFormat", ""),
                    instant=bool(target.get("instant")) and not target.get("range"),
                )
            )
    return found


def variables(model: Mapping[str, Any]) -> list[dict[str, Any]]:
    return list(model.get("templating", {}).get("list", []))


def regex_escape(value: str) -> str:
    """Grafana's prometheusSpecialRegexEscape: a literal value inside a PromQL regex string."""
    return _REGEX_SPECIAL.sub(lambda m: "\\\\" + m.group(0), value.replace("\\", "\\\\\\\\"))


def format_value(variable: Mapping[str, Any], value: str | Sequence[str]) -> str:
    """One variable's current value as Grafana writes it into a Prometheus or Loki query."""
    if value == ALL:
        if variable.get("allValue"):
            return str(variable["allValue"])
        raise ValueError(f"variable {variable['name']}: All without a custom all value is not modelled here")
    if not variable.get("multi") and not variable.get("includeAll"):
        return value if isinstance(value, str) else ",".join(value)
    values = [value] if isinstance(value, str) else list(value)
    escaped = [regex_escape(v) for v in values]
    return escaped[0] if len(escaped) == 1 else "(" + "|".join(escaped) + ")"


def interpolate(
    expr: str, model: Mapping[str, Any], chosen: Mapping[str, str | Sequence[str]], time_range: TimeRange
) -> str:
    """`expr` with every Grafana variable replaced; an unknown variable is an error, as in Grafana's
    query inspector it would stay literal and break the query."""
    by_name = {v["name"]: v for v in variables(model)}
    builtins = time_range.builtins()

    def replace(match: re.Match[str]) -> str:
        name = match.group(1) or match.group(2)
        if name in builtins:
            return builtins[name]
        if name not in by_name:
            raise KeyError(f"{name!r} is neither a built-in nor a variable of {model['uid']}")
        if name not in chosen:
            raise KeyError(f"no value chosen for variable {name!r} of {model['uid']}")
        return format_value(by_name[name], chosen[name])

    return _VARIABLE.sub(replace, expr)


def custom_values(variable: Mapping[str, Any]) -> list[str]:
    """The options of a custom variable ("a,b,c" or "a, b, c")."""
    return [v.strip() for v in str(variable.get("query", "")).split(",") if v.strip()]


_LABEL_VALUES = re.compile(r"^label_values\((?:(?P<selector>.+),\s*)?(?P<label>\w+)\)$")


def label_values_query(variable: Mapping[str, Any]) -> tuple[str | None, str]:
    """A query variable's `label_values(selector, label)` as (selector or None, label)."""
    query = variable["query"]
    text = query["query"] if isinstance(query, Mapping) else str(query)
    match = _LABEL_VALUES.match(text.strip())
    if not match:
        raise ValueError(f"variable {variable['name']}: only label_values() is modelled, got {text!r}")
    return match.group("selector"), match.group("label")


def selections(model: Mapping[str, Any], options: Mapping[str, Sequence[str]]) -> list[dict[str, str]]:
    """What an engineer can pick: every variable on "All" (a textbox on its first option), then each
    option of each variable alone with the others left as they were.

    `options` gives each variable's choices (for a query variable, what its query returned).
    """
    defaults: dict[str, str] = {}
    for variable in variables(model):
        name = variable["name"]
        if variable.get("includeAll"):
            defaults[name] = ALL
        elif options.get(name):
            defaults[name] = options[name][0]
        else:
            raise KeyError(f"no option given for variable {name!r} of {model['uid']}")
    picks = [defaults]
    for name, values in options.items():
        if name in defaults:
            picks.extend({**defaults, name: value} for value in values if value != defaults[name])
    return picks
