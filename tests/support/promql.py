"""A small PromQL metric-name extractor: enough to check that queries name only metrics that exist.

Not a parser: it removes what cannot be a metric name (strings, label matchers, grouping clauses,
range and offset durations, Grafana variables) and keeps identifiers that are not functions,
keywords or numbers. Good enough for the expressions this repository writes, and tested on them.
"""

from __future__ import annotations

import re

_STRINGS = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_MATCHERS = re.compile(r"\{[^{}]*\}")
_RANGES = re.compile(r"\[[^\[\]]*\]")
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^()]*\)")
_VARIABLES = re.compile(r"\$\{?\w+\}?")
_OFFSET = re.compile(r"\boffset\s+-?\w+")
_IDENTIFIER = re.compile(r"(?<![\w.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")
_KEYWORDS = frozenset(
    {"and", "or", "unless", "bool", "inf", "nan", "by", "without", "offset"}
    | {"on", "ignoring", "group_left", "group_right"}  # vector matching, with or without a label list
)


def metric_names(expr: str) -> set[str]:
    """Metric names an expression reads, e.g. 'rate(http_requests_total{a="b"}[5m])' -> {'http_requests_total'}."""
    text = _STRINGS.sub('""', expr)
    text = _MATCHERS.sub(" ", text)
    text = _RANGES.sub(" ", text)
    text = _GROUPING.sub(" ", text)
    text = _OFFSET.sub(" ", text)
    text = _VARIABLES.sub(" ", text)
    names = set()
    for match in _IDENTIFIER.finditer(text):
        name, call = match.group(1), match.group(2)
        if call or name.lower() in _KEYWORDS:
            continue  # functions and aggregations are followed by "("
        names.add(name)
    return names
