"""AlertRules: the app's alert and recording rules as one PrometheusRule the Prometheus selects.

The rules come from pure functions (``rule_groups``, ``build_prometheus_rule``) that tests, promtool
and the end-to-end Prometheus load without an engine; the component only registers the object.
Steps that touch every alert (runbook link, ``for`` scaling) are applied once, here, at the end.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import slo
from components.alert_rules import platform, service
from components.alert_rules.model import AppScope, RuleGroup
from components.conventions import RULE_SELECTOR_LABELS, runbook_url
from components.labels import standard_labels
from components.registration import register
from components.settings import Settings

PROMETHEUS_RULE_API = "monitoring.coreos.com/v1"


def app_rule_groups(settings: Settings, scope: AppScope) -> tuple[RuleGroup, ...]:
    """The typed rules for one app, grouped so dependent rules evaluate in order."""
    alerting = settings.alerting
    # Recording rules first: rules in a group run in order, so the alerts read this evaluation's ratios.
    http = RuleGroup(
        name=f"{scope.app}.http",
        recordings=slo.error_ratio_recordings(scope),
        alerts=(
            service.high_error_rate(scope, alerting.error_rate_threshold),
            service.high_latency(scope, alerting.latency_p99_seconds),
            *slo.burn_rate_alerts(scope, alerting.availability_objective),
        ),
    )
    groups = [
        http,
        RuleGroup(
            name=f"{scope.app}.targets", alerts=(service.app_target_down(scope), service.app_no_targets_up(scope))
        ),
        RuleGroup(name=f"{scope.app}.pods", alerts=(platform.pod_crash_looping(scope), platform.pod_restarting(scope))),
    ]
    if settings.database.enabled:
        groups.append(RuleGroup(name=f"{scope.app}.database", alerts=(platform.database_down(),)))
    groups.append(RuleGroup(name=f"{scope.app}.meta", alerts=(platform.watchdog(),)))
    return tuple(groups)


def render_group(settings: Settings, group: RuleGroup) -> dict[str, Any]:
    scale = settings.alerting.for_scale
    return {
        "name": group.name,
        "rules": [
            *(r.render() for r in group.recordings),
            *(a.render(runbook_url(settings, a.name), scale) for a in group.alerts),
        ],
    }


def rule_groups(settings: Settings, app: str | None = None, namespace: str | None = None) -> list[dict[str, Any]]:
    """Prometheus rule-file groups (plain dicts): `{"groups": rule_groups(...)}` is a valid rule file."""
    scope = AppScope(app or settings.app.name, namespace or settings.app_namespace)
    return [render_group(settings, g) for g in app_rule_groups(settings, scope)]


def build_prometheus_rule(settings: Settings, app: str | None = None, namespace: str | None = None) -> dict[str, Any]:
    app = app or settings.app.name
    namespace = namespace or settings.app_namespace
    return {
        "apiVersion": PROMETHEUS_RULE_API,
        "kind": "PrometheusRule",
        "metadata": {
            "name": f"{app}-alerts",
            "namespace": namespace,
            "labels": {**standard_labels(settings, app, "alerting"), **RULE_SELECTOR_LABELS},
        },
        "spec": {"groups": rule_groups(settings, app, namespace)},
    }


class AlertRules(pulumi.ComponentResource):
    """The PrometheusRule of one app (type greenlight:index:AlertRules)."""

    def __init__(
        self,
        name: str,
        settings: Settings,
        app: str | None = None,
        namespace: str | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("greenlight:index:AlertRules", name, None, opts)
        rule = build_prometheus_rule(settings, app, namespace)
        # CustomResource needs the PrometheusRule CRD: the caller passes depends_on=[MonitoringStack];
        # children do not inherit a parent's depends_on, so the rule carries it itself.
        after = (opts.depends_on if opts else None) or []
        self.prometheus_rule = register(
            f"{name}-prometheusrule", rule, pulumi.ResourceOptions(parent=self, depends_on=after)
        )
        self.alert_names = [r["alert"] for g in rule["spec"]["groups"] for r in g["rules"] if "alert" in r]
        self.register_outputs({"prometheusRule": rule["metadata"]["name"], "alerts": self.alert_names})
