"""The ComponentResources, thin: plan (components/objects/plan.py), then register every child through
one path (register.py). Layer 5 of components/ (docs/architecture.md).

The cluster: cluster.py's one explicit Kubernetes provider (context: the setting cluster.context),
passed to every component through ResourceOptions(providers=...).
Platform pieces, installed once per stack (they take the stack Settings):
  MonitoringStack    Prometheus, Alertmanager, Grafana, Loki, Alloy
  PostgresOperator   the CloudNativePG operator
Per-app pieces (they take an AppSpec; a stack may compose several apps):
  AppDeployment      a rolling-update app            BlueGreenRelease  a blue-green or canary app
  Database           the app's PostgreSQL cluster    AppObservability  the app's alert rules and dashboards
"""

from components.resources.app import AppDeployment
from components.resources.database import Database
from components.resources.monitoring import MonitoringStack
from components.resources.observability import AppObservability
from components.resources.postgres_operator import PostgresOperator
from components.resources.release import BlueGreenRelease

__all__ = [
    "AppDeployment",
    "AppObservability",
    "BlueGreenRelease",
    "Database",
    "MonitoringStack",
    "PostgresOperator",
]
