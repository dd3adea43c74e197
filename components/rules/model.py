"""The typed rule model: alerts and recording rules as frozen dataclasses, rendered to Prometheus YAML dicts."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from components.contract import SEVERITIES, app_selector, traffic_selector

_DURATION = re.compile(r"^(\d+)(ms|s|m|h|d|w)$")
_UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000, "d": 86_400_000, "w": 604_800_000}


def duration_ms(text: str) -> int:
    match = _DURATION.fullmatch(text)
    if not match:
        raise ValueError(f"not a Prometheus duration: {text!r}")
    return int(match.group(1)) * _UNIT_MS[match.group(2)]


def format_ms(milliseconds: int) -> str:
    """Largest unit that divides exactly: 300000 -> 5m, 3000 -> 3s, 60 -> 60ms."""
    for unit in ("w", "d", "h", "m", "s"):
        if milliseconds and milliseconds % _UNIT_MS[unit] == 0:
            return f"{milliseconds // _UNIT_MS[unit]}{unit}"
    return f"{milliseconds}ms"


def scale_duration(text: str, factor: float) -> str:
    """`for` durations times `factor` (settings.alerting.for_scale; 1.0 outside tests)."""
    milliseconds = duration_ms(text)
    if factor == 1.0 or milliseconds == 0:
        return text
    return format_ms(max(1, round(milliseconds * factor)))


def number(value: float | Decimal) -> str:
    """A threshold as PromQL text without float noise: 14.4 * 0.001 -> 0.0144."""
    return f"{Decimal(str(value)).normalize():f}"


@dataclass(frozen=True)
class Alert:
    name: str
    expr: str
    for_: str
    severity: str
    summary: str
    description: str
    labels: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"{self.name}: severity {self.severity!r} is not one of {SEVERITIES}")
        duration_ms(self.for_)

    def render(self, runbook_url: str, for_scale: float = 1.0, dashboard_url: str | None = None) -> dict[str, Any]:
        annotations = {"summary": self.summary, "description": self.description, "runbook_url": runbook_url}
        if dashboard_url:  # the Grafana panel that explains the alert (rules/dashboards.py)
            annotations["dashboard_url"] = dashboard_url
        return {
            "alert": self.name,
            "expr": self.expr,
            "for": scale_duration(self.for_, for_scale),
            "labels": {**self.labels, "severity": self.severity},
            "annotations": annotations,
        }


@dataclass(frozen=True)
class Recording:
    record: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)

    def render(self) -> dict[str, Any]:
        rule: dict[str, Any] = {"record": self.record, "expr": self.expr}
        if self.labels:
            rule["labels"] = dict(self.labels)
        return rule


@dataclass(frozen=True)
class RuleGroup:
    name: str
    alerts: tuple[Alert, ...] = ()
    recordings: tuple[Recording, ...] = ()


@dataclass(frozen=True)
class AppScope:
    """The app a rule set watches: its scrape job and namespace (components/contract.py)."""

    app: str
    namespace: str

    @property
    def selector(self) -> str:
        return app_selector(self.app, self.namespace)

    @property
    def traffic_selector(self) -> str:
        """Request series of the app, probes left out (components/contract.py)."""
        return traffic_selector(self.app, self.namespace)
