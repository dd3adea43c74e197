"""Checklist: monitoring and alerting configured, logging in place, incident response.

Stack rules: every app is scraped (ServiceMonitor or PodMonitor) and covered by alert rules; critical
alerts reach a real receiver in prod; Loki and a log collector are installed. Resource rule: every
alert carries a severity and a runbook_url.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies import alerting
from greenlight_policies.kube import Workload, chart_name, image_repository, selector_matches
from greenlight_policies.registry import ENVIRONMENT_PROPERTY, Finding, Meta, is_prod, resource_policy, stack_policy
from greenlight_policies.stackview import Obj, Stack

APP_NAME_LABEL = "app.kubernetes.io/name"
APP_INSTANCE_LABEL = "app.kubernetes.io/instance"
LOG_STORES = ("loki",)
LOG_COLLECTORS = ("alloy", "promtail", "fluent-bit", "fluentd", "vector", "opentelemetry-collector", "grafana-agent")
_POSITIVE_MATCHER = re.compile(r'([A-Za-z_][A-Za-z0-9_]*)\s*(=~|=)\s*"([^"]*)"')


def _in_namespaces(selector: Mapping[str, Any] | None, own_namespace: str, namespace: str) -> bool:
    """A monitor's namespaceSelector: any, matchNames, or (unset) the monitor's own namespace."""
    if (selector or {}).get("any"):
        return True
    names = (selector or {}).get("matchNames")
    return namespace in names if names else namespace == own_namespace


def scraped(stack: Stack, w: Workload) -> bool:
    for service in stack.services_selecting(w):
        for monitor in stack.selecting("ServiceMonitor", service.labels):
            if selector_matches(monitor.spec.get("selector"), service.labels) and _in_namespaces(
                monitor.spec.get("namespaceSelector"), monitor.namespace, service.namespace
            ):
                return True
    return any(
        selector_matches(m.spec.get("selector"), w.pod_labels)
        and _in_namespaces(m.spec.get("namespaceSelector"), m.namespace, w.namespace)
        for m in stack.selecting("PodMonitor", w.pod_labels)
    )


def unmonitored_apps(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    for o, w in stack.app_workloads():
        if not scraped(stack, w):
            yield (
                f"{w.kind} {w.name}: add a ServiceMonitor selecting a Service of its pods (or a PodMonitor) "
                "so Prometheus scrapes its /metrics.",
                o.urn,
            )


def identities(stack: Stack, o: Obj, w: Workload) -> set[str]:
    """Label values that can name this app in PromQL: job, service, app name/instance, namespace."""
    names = {w.name, w.namespace, o.labels.get(APP_NAME_LABEL, ""), o.labels.get(APP_INSTANCE_LABEL, "")}
    names |= {s.name for s in stack.services_selecting(w)}
    return {n for n in names if n}


@dataclass(frozen=True)
class RuleSelectors:
    """What the stack's alert rules select on, from their positive label matchers (parsed once)."""

    values: frozenset[str]  # every value a `label="..."` or `label=~"..."` matcher names
    patterns: tuple[re.Pattern[str], ...]  # the valid `=~` values, compiled

    @classmethod
    def of(cls, rules: list[alerting.AlertRule]) -> RuleSelectors:
        matchers = [(op, value) for rule in rules for _, op, value in _POSITIVE_MATCHER.findall(rule.expr)]
        regexes = dict.fromkeys(value for op, value in matchers if op == "=~")
        return cls(frozenset(value for _, value in matchers), tuple(p for p in map(_compiled, regexes) if p))

    def cover(self, names: set[str]) -> bool:
        """Some rule names one of `names`, literally or by a regex matching it whole."""
        return bool(names & self.values) or any(p.fullmatch(n) for p in self.patterns for n in names)


def _compiled(pattern: str) -> re.Pattern[str] | None:
    try:
        return re.compile(pattern)
    except re.error:
        return None


def uncovered_apps(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    selectors = stack.memo("alert-rule-selectors", lambda: RuleSelectors.of(alerting.stack_rules(stack)))
    for o, w in stack.app_workloads():
        if not selectors.cover(identities(stack, o, w)):
            yield (
                f"{w.kind} {w.name}: no alert rule selects it (by job, service, app name or namespace); add "
                "alerts for it to a PrometheusRule (components/rules/ builds HighErrorRate and the SLO alerts).",
                o.urn,
            )


def unrouted_critical_alerts(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not is_prod(config):
        return
    stack = Stack.of(args)
    am_config, where = alerting.alertmanager_config(stack)
    if am_config is None:
        yield f"No Alertmanager config found (looked for {where}); configure one that pages on critical alerts.", ""
        return
    critical = [r for r in alerting.stack_rules(stack) if r.labels.get("severity") == alerting.CRITICAL]
    samples = [{**r.labels, "alertname": r.alert} for r in critical] or [{"severity": alerting.CRITICAL}]
    for labels in samples:
        receivers = alerting.receivers_for(am_config.get("route") or {}, labels)
        if not any(alerting.delivers(am_config, name) for name in receivers):
            yield (
                f"Critical alert {labels.get('alertname', '(any)')} routes to {', '.join(receivers) or 'nothing'} "
                f'in {where}, which notifies nobody; route severity="critical" to a pager receiver '
                "(set greenlight:pagerdutyRoutingKey).",
                "",
            )


def missing_logging(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    installed = {chart_name(c.props) for c in stack.charts()}
    for w in (o.workload for o in stack.objects):
        if w:
            installed |= {image_repository(str(c.get("image") or "")) for c in w.containers()}
    if not installed & set(LOG_STORES):
        yield "No log store: install Loki (grafana/loki chart, deploymentMode: Monolithic) so logs are kept.", ""
    if not installed & set(LOG_COLLECTORS):
        yield "No log collector: install Grafana Alloy (grafana/alloy chart) to ship pod logs to Loki.", ""


def alert_metadata(resource: Obj, _: Mapping[str, Any]) -> Iterator[str]:
    kind, props = resource.kind, resource.props
    if kind != "PrometheusRule" and not (kind == "" and chart_name(props) == alerting.PROMETHEUS_STACK_CHART):
        return
    for rule in alerting.rules_of(kind, props):
        if rule.labels.get("severity") not in alerting.SEVERITIES:
            yield f"Alert {rule.alert}: set labels.severity to one of {', '.join(alerting.SEVERITIES)}."
        if not rule.annotations.get("runbook_url", "").startswith(("https://", "http://")):
            yield f"Alert {rule.alert}: set annotations.runbook_url to the runbook page (docs/runbooks/)."


POLICIES = [
    stack_policy(
        Meta(
            "app-scraped",
            "Checks that every app workload is scraped by a ServiceMonitor or PodMonitor.",
            Severity.HIGH,
            "Enable monitoring (greenlight:monitoring.enabled) so AppDeployment creates its "
            "ServiceMonitor, or add one whose selector matches the app's Service labels.",
        ),
        unmonitored_apps,
    ),
    stack_policy(
        Meta(
            "app-alerts",
            "Checks that every app workload is covered by at least one alert rule.",
            Severity.HIGH,
            'Add a PrometheusRule with alerts whose expressions select the app (job="<app>", '
            'namespace="<namespace>"), e.g. HighErrorRate and the SLO burn-rate alerts.',
        ),
        uncovered_apps,
    ),
    stack_policy(
        Meta(
            "critical-alerts-routed",
            "Checks that critical alerts route to a receiver that notifies someone in prod.",
            Severity.CRITICAL,
            "Set greenlight:pagerdutyRoutingKey (secret) so the Alertmanager config "
            'routes severity="critical" to PagerDuty; a receiver without *_configs drops alerts.',
            ENVIRONMENT_PROPERTY,
        ),
        unrouted_critical_alerts,
    ),
    stack_policy(
        Meta(
            "logging-stack",
            "Checks that a log store (Loki) and a log collector (e.g. Alloy) are installed.",
            Severity.MEDIUM,
            "Enable greenlight:monitoring.enabled: the MonitoringStack installs the Loki and Alloy charts.",
        ),
        missing_logging,
    ),
    resource_policy(
        Meta(
            "alert-metadata",
            "Checks that every alert rule has a severity label and a runbook_url annotation.",
            Severity.MEDIUM,
            "Give each alert labels.severity (critical, warning or info) and "
            "annotations.runbook_url pointing at its page in docs/runbooks/.",
        ),
        alert_metadata,
    ),
]
