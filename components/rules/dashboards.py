"""One app's Grafana dashboards, and the panel each of its alerts links to.

The dashboards are built with Grafana's own typed builders (grafana-foundation-sdk) in one module per
dashboard: service (RED, SLO, saturation), release (colors, gate), database (CloudNativePG), logs
(Loki). The app's AppObservability ships each model in a ConfigMap labelled for Grafana's dashboard
sidecar (contract.DASHBOARD_LABEL); every alert carries a `dashboard_url` annotation that opens the
panel explaining it (mixin.render_group).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from components.rules import dashboards_database as database
from components.rules import dashboards_kit as kit
from components.rules import dashboards_logs as logs
from components.rules import dashboards_release as release
from components.rules import dashboards_service as service
from components.rules.database import (
    BACKUP_TOO_OLD,
    DATABASE_DEGRADED,
    DATABASE_DOWN,
    RECOVERY_WINDOW_OUT_OF_RETENTION,
    WAL_ARCHIVING_FAILING,
)
from components.rules.slo import FAST_BURN_ALERT, SLOW_BURN_ALERT
from components.settings import AppSpec


@dataclass(frozen=True)
class PanelRef:
    """A panel of one of the app's dashboards (dashboard kind, panel id)."""

    kind: str
    panel_id: int


# The panel that explains each alert: what the on-call engineer opens first.
ALERT_PANELS: dict[str, PanelRef] = {
    "HighErrorRate": PanelRef(service.KIND, service.ServicePanel.ERRORS),
    "HighLatencyP99": PanelRef(service.KIND, service.ServicePanel.LATENCY),
    FAST_BURN_ALERT: PanelRef(service.KIND, service.ServicePanel.BURN),
    SLOW_BURN_ALERT: PanelRef(service.KIND, service.ServicePanel.BURN),
    "AppTargetDown": PanelRef(service.KIND, service.ServicePanel.TARGETS),
    "AppNoTargetsUp": PanelRef(service.KIND, service.ServicePanel.TARGETS),
    "PodCrashLooping": PanelRef(service.KIND, service.ServicePanel.WAITING),
    "PodRestartingFrequently": PanelRef(service.KIND, service.ServicePanel.RESTARTS),
    DATABASE_DOWN: PanelRef(database.KIND, database.DatabasePanel.POSTGRES_UP),
    DATABASE_DEGRADED: PanelRef(database.KIND, database.DatabasePanel.POSTGRES_UP),
    WAL_ARCHIVING_FAILING: PanelRef(database.KIND, database.DatabasePanel.ARCHIVED),
    # Only with backups on, like the Backups row these panels sit in.
    BACKUP_TOO_OLD: PanelRef(database.KIND, database.DatabasePanel.LAST_BACKUP),
    RECOVERY_WINDOW_OUT_OF_RETENTION: PanelRef(database.KIND, database.DatabasePanel.RECOVERY_WINDOW),
}


def _builders(spec: AppSpec) -> dict[str, Callable[[AppSpec], dict[str, Any]]]:
    """Dashboard kind -> builder, for the dashboards this app has."""
    builders: dict[str, Callable[[AppSpec], dict[str, Any]]] = {service.KIND: service.service_dashboard}
    if not spec.rolling:
        builders[release.KIND] = release.release_dashboard
    if spec.database.enabled:
        builders[database.KIND] = database.database_dashboard
    builders[logs.KIND] = logs.logs_dashboard
    return builders


def app_dashboards(spec: AppSpec) -> dict[str, dict[str, Any]]:
    """File name -> Grafana dashboard model, as the Grafana sidecar loads them."""
    return {f"{spec.name}-{kind}.json": build(spec) for kind, build in _builders(spec).items()}


def dashboard_uids(spec: AppSpec) -> list[str]:
    """The uids of the app's dashboards (each model's `uid`), without building the models."""
    return [kit.dashboard_uid(spec.name, kind) for kind in _builders(spec)]


def alert_dashboard_urls(spec: AppSpec) -> dict[str, str]:
    """Alert name -> URL of the panel that explains it, for the dashboards this app has."""
    kinds = _builders(spec)
    return {
        alert: kit.panel_url(spec.alerting.grafana_url, kit.dashboard_uid(spec.name, ref.kind), ref.panel_id)
        for alert, ref in ALERT_PANELS.items()
        if ref.kind in kinds
    }
