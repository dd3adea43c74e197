"""The stack settings model: frozen dataclasses, one per settings object, with per-environment defaults.

Declarations only: ``reader.py`` reads them, ``rules.py`` checks what spans fields, ``loading.py``
ties both to a stack file. The README's settings reference is generated from these fields. One module
per area: app.py, release.py, observability.py, database.py; the root ``Settings`` is here.
"""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.fields import Secret, setting
from components.settings.grammar import BUILD, ENVIRONMENTS, LABEL_VALUE, matches, namespace_ok, one_of, optional
from components.settings.model.app import AppSettings, Autoscaling, ImageBuild, Ingress, Resources
from components.settings.model.database import Backup, DatabaseSettings, Restore
from components.settings.model.observability import AlertingSettings, MonitoringSettings
from components.settings.model.release import Canary, Gate, ReleaseSettings, Track

__all__ = [
    "AlertingSettings",
    "AppSettings",
    "Autoscaling",
    "Backup",
    "Canary",
    "ClusterSettings",
    "DatabaseSettings",
    "Gate",
    "ImageBuild",
    "Ingress",
    "MonitoringSettings",
    "ReleaseSettings",
    "Resources",
    "Restore",
    "Settings",
    "Track",
]


@dataclass(frozen=True)
class ClusterSettings:
    # kubeconfig contexts are free-form names (kind-greenlight, arn:aws:eks:...:cluster/prod, gke_p_z_c).
    context: str = setting(
        "",
        doc="kubeconfig context every object is deployed to; required in prod (empty: the current context)",
    )


@dataclass(frozen=True)
class Settings:
    environment: str = setting(check=one_of(*ENVIRONMENTS), allowed="dev, staging or prod", doc="environment")
    team: str = setting(check=matches(LABEL_VALUE), allowed="a label value", doc="owning team (label `team`)")
    cost_center: str = setting(check=matches(LABEL_VALUE), allowed="a label value", doc="label `cost-center`")
    namespace: str = setting(
        "",
        check=optional(namespace_ok),
        allowed="a namespace name (a DNS-1123 label; not default or kube-*)",
        doc="app namespace (default greenlight-<environment>)",
    )
    cluster: ClusterSettings = setting(ClusterSettings())
    app: AppSettings = setting(AppSettings())
    image: ImageBuild = setting(ImageBuild())
    release: ReleaseSettings = setting(ReleaseSettings())
    monitoring: MonitoringSettings = setting(MonitoringSettings())
    alerting: AlertingSettings = setting(AlertingSettings())
    database: DatabaseSettings = setting(DatabaseSettings())
    grafana_admin_password: Secret | None = setting(
        None, doc="Grafana admin password (required when monitoring is enabled)"
    )
    pagerduty_routing_key: Secret | None = setting(
        None, doc="PagerDuty routing key for critical alerts (required in prod)"
    )
    slack_webhook_url: Secret | None = setting(
        None, doc="Slack webhook for warnings (without it, warnings reach no one)"
    )
    dead_mans_switch_url: Secret | None = setting(None, doc="dead-man's-switch URL the Watchdog alert pings")
    registry_password: Secret | None = setting(
        None, doc="registry password for the image push (required when an image is 'build')"
    )
    database_password: Secret | None = setting(
        None, doc="password of the app's database user (required when the database is enabled)"
    )
    backup_secret_access_key: Secret | None = setting(
        None, doc="object storage key for backups and restores (required when either is enabled)"
    )
    loki_secret_access_key: Secret | None = setting(
        None, doc="object storage key for Loki (required when lokiStorage is s3)"
    )

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def app_namespace(self) -> str:
        return self.namespace or f"greenlight-{self.environment}"

    def images(self) -> tuple[str, ...]:
        if self.release.strategy == "rolling":
            return (self.app.image,)
        return (self.release.blue.image, self.release.green.image)

    @property
    def builds_image(self) -> bool:
        return BUILD in self.images()
