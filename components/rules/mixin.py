"""One app's observability, composed in one place: its rule groups and its dashboards.

Pure: tests, promtool and the end-to-end Prometheus load ``rule_groups`` without an engine. Steps
that touch every alert (runbook and dashboard links, ``for`` scaling) are applied once, here, at the end.
"""

from __future__ import annotations

from typing import Any

from components.contract import runbook_url
from components.rules import dashboards, database, platform, service, slo
from components.rules.model import Alert, AppScope, RuleGroup
from components.settings import AppSpec


def scope(spec: AppSpec) -> AppScope:
    return AppScope(spec.name, spec.namespace)


def app_rule_groups(spec: AppSpec) -> tuple[RuleGroup, ...]:
    """The typed rules for one app, grouped so dependent rules evaluate in order."""
    app, alerting = scope(spec), spec.alerting
    # Recording rules first: rules in a group run in order, so the alerts read this evaluation's ratios.
    http = RuleGroup(
        name=f"{app.app}.http",
        recordings=slo.error_ratio_recordings(app),
        alerts=(
            service.high_error_rate(app, alerting.error_rate_threshold),
            service.high_latency(app, alerting.latency_p99_seconds),
            *slo.burn_rate_alerts(app, alerting.availability_objective),
        ),
    )
    groups = [
        http,
        RuleGroup(name=f"{app.app}.targets", alerts=(service.app_target_down(app), service.app_no_targets_up(app))),
        RuleGroup(name=f"{app.app}.pods", alerts=(platform.pod_crash_looping(app), platform.pod_restarting(app))),
    ]
    if spec.database.enabled:
        alerts = database.database_alerts(app, spec.database.instances)
        groups.append(RuleGroup(name=f"{app.app}.database", alerts=alerts))
    if spec.database.enabled and spec.database.backup.enabled:
        groups.append(RuleGroup(name=f"{app.app}.backups", alerts=backup_alerts(app, spec)))
    groups.append(RuleGroup(name=f"{app.app}.meta", alerts=(platform.watchdog(),)))
    return tuple(groups)


def backup_alerts(app: AppScope, spec: AppSpec) -> tuple[Alert, ...]:
    """WAL archiving, base backup age and the recovery window, for a database that backs up."""
    backup = spec.database.backup
    return (
        database.wal_archiving_failing(app),
        database.backup_too_old(app, backup.schedule),
        database.recovery_window_out_of_retention(app, backup.retention, backup.schedule),
    )


def render_group(spec: AppSpec, group: RuleGroup) -> dict[str, Any]:
    base, scale = spec.alerting.runbook_base_url, spec.alerting.for_scale
    panels = dashboards.alert_dashboard_urls(spec)
    return {
        "name": group.name,
        "rules": [
            *(r.render() for r in group.recordings),
            *(a.render(runbook_url(base, a.name), scale, panels.get(a.name)) for a in group.alerts),
        ],
    }


def rule_groups(spec: AppSpec) -> list[dict[str, Any]]:
    """Prometheus rule-file groups (plain dicts): `{"groups": rule_groups(spec)}` is a valid rule file."""
    return [render_group(spec, g) for g in app_rule_groups(spec)]


def alert_names(spec: AppSpec) -> list[str]:
    return [a.name for g in app_rule_groups(spec) for a in g.alerts]


def app_dashboards(spec: AppSpec) -> dict[str, dict[str, Any]]:
    """File name -> Grafana dashboard model, as the Grafana sidecar loads them."""
    return dashboards.app_dashboards(spec)


def dashboard_uids(spec: AppSpec) -> list[str]:
    return dashboards.dashboard_uids(spec)
