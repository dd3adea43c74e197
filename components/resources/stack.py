"""How a stack is composed: the platform pieces once, then the per-app pieces for each app.

``__main__.py`` deploys the stack's one app; a program can deploy several apps on one platform:

    settings = load()
    platform = install_platform(settings)
    web = deploy_app(app_spec(settings), platform)
    api = deploy_app(app_spec(settings, name="api", namespace="api-prod"), platform, prefix="api-")
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.objects.access import dashboard_urls, port_forward_commands
from components.objects.meta import build_namespace
from components.resources.app import AppDeployment
from components.resources.cluster import cluster_provider
from components.resources.database import Database
from components.resources.monitoring import MonitoringStack
from components.resources.moves import release_counterpart, rolling_counterpart
from components.resources.observability import AppObservability
from components.resources.postgres_operator import PostgresOperator
from components.resources.register import register
from components.resources.release import BlueGreenRelease
from components.settings import AppSpec, Settings


@dataclass(frozen=True)
class Platform:
    """What every app of a stack shares; installed once."""

    environment: str
    provider: k8s.Provider  # the cluster every Kubernetes object goes to
    monitoring: tuple[pulumi.Resource, ...]  # empty when monitoring is off
    postgres_operator: PostgresOperator | None  # None when no app has a database
    outputs: dict[str, Any] = field(default_factory=dict)

    @property
    def on_cluster(self) -> pulumi.ResourceOptions:
        """Options of a platform or app component: its children deploy through the stack's provider."""
        return pulumi.ResourceOptions(providers=[self.provider])


@dataclass(frozen=True)
class DeployedApp:
    namespace: pulumi.Resource
    workload: AppDeployment | BlueGreenRelease
    database: Database | None
    observability: AppObservability | None
    outputs: dict[str, Any] = field(default_factory=dict)


def install_platform(settings: Settings, provider: k8s.Provider | None = None) -> Platform:
    """The pieces every app shares, on `provider` (default: the one `cluster.context` names)."""
    provider = provider or cluster_provider(settings)
    on_cluster = pulumi.ResourceOptions(providers=[provider])
    # Prometheus/Alertmanager/Grafana/Loki/Alloy; its charts install the CRDs monitors and rules need.
    monitoring = (MonitoringStack("monitoring", settings, on_cluster),) if settings.monitoring.enabled else ()
    crds = [m.crds for m in monitoring]  # the operator's PodMonitor needs the monitoring CRDs
    operator = (
        PostgresOperator("database-operator", settings, on_cluster, monitoring_crds=crds)
        if settings.database.enabled
        else None
    )
    outputs: dict[str, Any] = {"environment": settings.environment}
    if monitoring:
        outputs["portForward"] = port_forward_commands(settings.cluster.context, settings.monitoring.namespace)
    return Platform(settings.environment, provider, monitoring, operator, outputs)


def deploy_app(
    spec: AppSpec, platform: Platform, prefix: str = "", namespace: pulumi.Resource | None = None
) -> DeployedApp:
    """The app's namespace (unless given), rules and dashboards, database and workload.

    `prefix` keeps Pulumi names unique when one stack deploys several apps ("" for the stack's own app).
    """
    if namespace is None:
        namespace = register(
            f"{prefix}namespace", build_namespace(spec), pulumi.ResourceOptions(provider=platform.provider)
        )
    monitoring, on_cluster = platform.monitoring, platform.on_cluster
    observability = None
    outputs: dict[str, Any] = {}
    if spec.monitoring.enabled:  # the rules' CRD comes with the monitoring stack
        observability = AppObservability(f"{prefix}alerts", spec, monitoring, namespace, on_cluster)
        outputs["dashboards"] = dashboard_urls(spec)
    database = None
    if spec.database.enabled:
        operator = platform.postgres_operator
        chart, plugin = (operator.chart, operator.backup_plugin) if operator else (None, None)
        database = Database(f"{prefix}database", spec, chart, namespace, monitoring, on_cluster, backup_plugin=plugin)
    workload: AppDeployment | BlueGreenRelease
    # Each names the other as where the app's surviving objects were, so a strategy change keeps them.
    if spec.rolling:
        moved_from = release_counterpart(prefix)
        workload = AppDeployment(f"{prefix}app", spec, namespace, database, monitoring, moved_from, on_cluster)
        outputs.update(serviceUrl=workload.service_url, image=workload.image)
    else:  # blue-green or canary: two colors, gated switch; roll back by setting release.activeColor back
        moved_from = rolling_counterpart(prefix)
        workload = BlueGreenRelease(f"{prefix}release", spec, namespace, database, monitoring, moved_from, on_cluster)
        outputs.update(
            serviceUrl=workload.service_url, previewUrl=workload.preview_url, activeColor=workload.active_color
        )
    outputs["namespace"] = namespace.metadata["name"]  # type: ignore[attr-defined]
    if database is not None:
        outputs["databaseUrlSecret"] = database.url_secret_name
        # restore.sourceCluster for a restore
        outputs["databaseBackupServerName"] = database.backup_server_name
    return DeployedApp(namespace, workload, database, observability, outputs)
