"""Alert rules and Alertmanager routing as the stack declares them.

Rules come from PrometheusRule objects and from kube-prometheus-stack's `additionalPrometheusRulesMap`.
The Alertmanager config comes from the chart's `alertmanager.config` value (greenlight's: credentials
are `*_file` paths, so the value holds no key) or from the Secret named by
`alertmanager.alertmanagerSpec.configSecret` (key `alertmanager.yaml`). Routing follows Alertmanager's
tree: first matching child wins unless `continue`.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import yaml

from greenlight_policies.kube import dig
from greenlight_policies.stackview import Obj, Stack

PROMETHEUS_STACK_CHART = "kube-prometheus-stack"
ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml"
SEVERITIES = ("critical", "warning", "info")  # DESIGN.md: the severity label contract
CRITICAL = "critical"
_MATCHER = re.compile(r'^\s*([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)\s*"?(.*?)"?\s*$')


@dataclass(frozen=True)
class AlertRule:
    alert: str
    expr: str
    labels: dict[str, str] = field(default_factory=dict)
    annotations: dict[str, str] = field(default_factory=dict)


def rules_in_groups(groups: Any) -> Iterator[AlertRule]:
    for group in groups if isinstance(groups, list) else []:
        for rule in (group or {}).get("rules") or []:
            if isinstance(rule, dict) and rule.get("alert"):
                yield AlertRule(
                    alert=str(rule["alert"]),
                    expr=str(rule.get("expr", "")),
                    labels={str(k): str(v) for k, v in (rule.get("labels") or {}).items()},
                    annotations={str(k): str(v) for k, v in (rule.get("annotations") or {}).items()},
                )


def rules_of(kind: str, props: Mapping[str, Any]) -> list[AlertRule]:
    """Alert rules a PrometheusRule or a kube-prometheus-stack chart record declares."""
    if kind == "PrometheusRule":
        return list(rules_in_groups(dig(props, "spec", "groups")))
    extra = dig(props, "values", "additionalPrometheusRulesMap") or {}
    entries = [entry for entry in extra.values() if isinstance(entry, dict)]
    return [rule for entry in entries for rule in rules_in_groups(entry.get("groups"))]


def stack_rules(stack: Stack) -> list[AlertRule]:
    def build() -> list[AlertRule]:
        chart = stack.chart(PROMETHEUS_STACK_CHART)
        rules = [r for o in stack.kind("PrometheusRule") for r in rules_of("PrometheusRule", o.props)]
        return rules + (rules_of("Chart", chart.props) if chart else [])

    return stack.memo("alert-rules", build)


# -- Alertmanager config ----------------------------------------------------------------------------


def _load(text: Any) -> dict[str, Any] | None:
    if isinstance(text, dict):
        return text
    try:
        loaded = yaml.safe_load(str(text))
    except yaml.YAMLError:
        return None
    return loaded if isinstance(loaded, dict) else None


def _secret_config(secret: Obj) -> dict[str, Any] | None:
    string_data = secret.props.get("stringData") or {}
    if ALERTMANAGER_CONFIG_KEY in string_data:
        return _load(string_data[ALERTMANAGER_CONFIG_KEY])
    data = secret.props.get("data") or {}
    if ALERTMANAGER_CONFIG_KEY in data:
        try:
            return _load(base64.b64decode(str(data[ALERTMANAGER_CONFIG_KEY])).decode())
        except (binascii.Error, UnicodeDecodeError):
            return None
    return None


def alertmanager_config(stack: Stack) -> tuple[dict[str, Any] | None, str]:
    """(config, where it was found); (None, what was looked for) when the stack declares none."""
    chart = stack.chart(PROMETHEUS_STACK_CHART)
    values = dig(chart.props, "values", "alertmanager") if chart else None
    if isinstance(values, dict) and values.get("config"):
        return _load(values["config"]), f"chart {chart.name if chart else ''} alertmanager.config"
    secret_name = dig(values, "alertmanagerSpec", "configSecret") if isinstance(values, dict) else None
    secrets = [s for s in stack.kind("Secret") if secret_name is None or s.name == secret_name]
    for secret in secrets:
        config = _secret_config(secret)
        if config is not None:
            return config, f"Secret {secret.name}"
    wanted = f"Secret {secret_name}" if secret_name else f"a Secret with key {ALERTMANAGER_CONFIG_KEY}"
    return None, f"kube-prometheus-stack alertmanager.config or {wanted}"


def _matcher_ok(matcher: str, labels: Mapping[str, str]) -> bool:
    found = _MATCHER.match(matcher)
    if not found:
        return False
    name, op, value = found.groups()
    actual = labels.get(name, "")
    if op == "=":
        return actual == value
    if op == "!=":
        return actual != value
    hit = re.fullmatch(value, actual) is not None
    return hit if op == "=~" else not hit


def route_matches(route: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    if any(labels.get(k) != str(v) for k, v in (route.get("match") or {}).items()):
        return False
    if any(re.fullmatch(str(v), labels.get(k, "")) is None for k, v in (route.get("match_re") or {}).items()):
        return False
    return all(_matcher_ok(str(m), labels) for m in route.get("matchers") or [])


def receivers_for(route: Mapping[str, Any], labels: Mapping[str, str], inherited: str = "") -> list[str]:
    """The receivers an alert with `labels` reaches from `route` (Alertmanager's routing tree walk)."""
    receiver = str(route.get("receiver") or inherited)
    reached: list[str] = []
    for child in route.get("routes") or []:
        if isinstance(child, dict) and route_matches(child, labels):
            reached += receivers_for(child, labels, receiver)
            if not child.get("continue"):
                break
    return reached or [receiver]


def delivers(config: Mapping[str, Any], receiver: str) -> bool:
    """A receiver that notifies someone: at least one *_configs entry (a bare name is a null sink)."""
    for entry in config.get("receivers") or []:
        if isinstance(entry, dict) and entry.get("name") == receiver:
            return any(key.endswith("_configs") and value for key, value in entry.items())
    return False
