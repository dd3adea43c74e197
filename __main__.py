"""greenlight: load the stack's settings, compose the components, export what users need."""

import pulumi
import pulumi_kubernetes as k8s

from components.alerts import AlertRules
from components.app import AppDeployment
from components.database import Database
from components.labels import standard_labels
from components.monitoring import MonitoringStack
from components.release import BlueGreenRelease
from components.settings import load

settings = load()

namespace = k8s.core.v1.Namespace(
    "namespace",
    metadata={
        "name": settings.app_namespace,
        "labels": standard_labels(settings, settings.app.name, "namespace"),
    },
)

# Prometheus/Alertmanager/Grafana/Loki/Alloy; its charts install the CRDs the ServiceMonitors and rules need.
monitoring = [MonitoringStack("monitoring", settings)] if settings.monitoring.enabled else []
# The app's alert rules (PrometheusRule), installed after the CRDs that come with the monitoring stack.
if settings.monitoring.enabled:
    AlertRules(
        "alerts",
        settings,
        app=settings.app.name,
        namespace=settings.app_namespace,
        opts=pulumi.ResourceOptions(depends_on=[namespace, *monitoring]),
    )

# PostgreSQL (CloudNativePG); the app reads DATABASE_URL from database.url_secret_name.
database = (
    Database("database", settings, namespace=namespace, monitoring=monitoring) if settings.database.enabled else None
)

if settings.release.strategy == "rolling":
    app = AppDeployment("app", settings, namespace=namespace, database=database, monitoring=monitoring)
    pulumi.export("serviceUrl", app.service_url)
    pulumi.export("image", app.image)
else:  # blue-green or canary: two colors, gated switch; roll back by setting release.activeColor back
    release = BlueGreenRelease("release", settings, namespace=namespace, database=database, monitoring=monitoring)
    pulumi.export("serviceUrl", release.service_url)
    pulumi.export("previewUrl", release.preview_url)
    pulumi.export("activeColor", release.active_color)

pulumi.export("environment", settings.environment)
pulumi.export("namespace", namespace.metadata["name"])
if database is not None:
    pulumi.export("databaseUrlSecret", database.url_secret_name)
    pulumi.export("databaseBackupServerName", database.backup_server_name)  # restore.sourceCluster for a restore
