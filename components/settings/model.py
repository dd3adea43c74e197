"""The stack settings model: frozen dataclasses, one per settings object, with per-environment defaults.

Declarations only: ``reader.py`` reads them, ``rules.py`` checks what spans fields, ``loading.py``
ties both to a stack file. The README's settings reference is generated from these fields.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from components.settings.fields import Secret, setting
from components.settings.grammar import (
    BUILD,
    CPU,
    CPU_ALLOWED,
    CRON6,
    DNS_LABEL,
    DNS_NAME,
    DURATION,
    ENVIRONMENTS,
    IMAGE,
    LABEL_VALUE,
    MEMORY,
    MEMORY_ALLOWED,
    SEMVER,
    between,
    image_ok,
    matches,
    one_of,
)
from components.settings.releases import ReleaseSettings


@dataclass(frozen=True)
class Resources:
    cpu_request: str = setting("100m", check=matches(CPU), allowed=CPU_ALLOWED, doc="CPU request")
    cpu_limit: str = setting("500m", check=matches(CPU), allowed=CPU_ALLOWED, doc="CPU limit")
    memory_request: str = setting("128Mi", check=matches(MEMORY), allowed=MEMORY_ALLOWED, doc="memory request")
    memory_limit: str = setting("256Mi", check=matches(MEMORY), allowed=MEMORY_ALLOWED, doc="memory limit")


@dataclass(frozen=True)
class Autoscaling:
    enabled: bool = setting(False, env_default={"staging": True, "prod": True}, doc="create an HPA")
    min_replicas: int = setting(
        1,
        check=between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="HPA minimum",
    )
    max_replicas: int = setting(
        3,
        check=between(1, 500),
        allowed="an integer from 1 to 500",
        env_default={"staging": 4, "prod": 10},
        doc="HPA maximum",
    )
    target_cpu_utilization: int = setting(
        70, check=between(10, 100), allowed="a percentage from 10 to 100", doc="HPA CPU target"
    )


@dataclass(frozen=True)
class Ingress:
    enabled: bool = setting(False, doc="expose the active Service through an Ingress with TLS")
    host: str = setting("", check=matches(DNS_NAME, True), allowed="a DNS name", doc="host name")
    class_name: str = setting("nginx", doc="IngressClass name")
    tls_secret_name: str = setting(
        "", check=matches(DNS_NAME, True), allowed="a Secret name", doc="TLS Secret (default `<app>-tls`)"
    )
    cert_issuer: str = setting(
        "letsencrypt-prod",
        check=matches(DNS_NAME, True),
        allowed="an issuer name, or empty to bring your own TLS Secret",
        doc="cert-manager issuer that fills the TLS Secret",
    )
    cert_issuer_kind: str = setting(
        "ClusterIssuer",
        check=one_of("ClusterIssuer", "Issuer"),
        allowed="ClusterIssuer or Issuer",
        doc="kind of that issuer (an Issuer lives in the app namespace)",
    )
    source_namespace: str = setting(
        "ingress-nginx",
        check=matches(DNS_LABEL),
        allowed="a namespace name",
        doc="namespace of the ingress controller allowed in by the NetworkPolicy",
    )


@dataclass(frozen=True)
class AppSettings:
    name: str = setting("web", check=matches(DNS_LABEL), allowed="a DNS-1123 label", doc="app name")
    image: str = setting(
        "",
        check=image_ok,
        allowed="an image reference (registry/name@sha256:<digest>) or 'build'",
        doc="image of the rolling track; 'build' uses the image built from app/",
    )
    version: str = setting(
        "1.0.0",
        check=matches(SEMVER),
        allowed="a semantic version such as 1.4.2",
        doc="app.kubernetes.io/version of the rolling track",
    )
    port: int = setting(8080, check=between(1024, 65535), allowed="a port from 1024 to 65535", doc="container port")
    replicas: int = setting(
        1,
        check=between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="replicas when autoscaling is off",
    )
    drain_seconds: int = setting(
        20,
        check=between(1, 300),
        allowed="seconds from 1 to 300",
        doc="time a pod keeps serving after SIGTERM; preStop and grace period cover it",
    )
    resources: Resources = setting(Resources())
    autoscaling: Autoscaling = setting(Autoscaling())
    ingress: Ingress = setting(Ingress())
    env: Mapping[str, str] = setting(
        {}, allowed="a map of non-secret environment variables", doc="extra environment variables"
    )


@dataclass(frozen=True)
class ImageBuild:
    registry: str = setting("ghcr.io", doc="registry server the built image is pushed to")
    repository: str = setting(
        "acme/greenlight-web",
        check=matches(IMAGE),
        allowed="a repository path",
        doc="repository under the registry",
    )
    username: str = setting("", doc="registry user; the password is greenlight:registryPassword")
    platform: str = setting(
        "linux/amd64",
        check=one_of("linux/amd64", "linux/arm64"),
        allowed="linux/amd64 or linux/arm64",
        doc="target platform",
    )


@dataclass(frozen=True)
class MonitoringSettings:
    enabled: bool = setting(True, doc="install Prometheus, Alertmanager, Grafana, Loki and Alloy")
    namespace: str = setting(
        "monitoring",
        check=matches(DNS_LABEL),
        allowed="a namespace name",
        doc="namespace of the monitoring stack",
    )
    retention: str = setting(
        "2d",
        check=matches(DURATION),
        allowed="a duration such as 15d",
        env_default={"staging": "7d", "prod": "15d"},
        doc="Prometheus retention",
    )
    storage_size: str = setting(
        "10Gi",
        check=matches(MEMORY),
        allowed="a storage quantity such as 50Gi",
        env_default={"prod": "100Gi"},
        doc="Prometheus volume size",
    )
    storage_class: str = setting("", doc="StorageClass for volumes (empty: cluster default)")
    loki_storage: str = setting(
        "filesystem",
        check=one_of("filesystem", "s3"),
        allowed="filesystem or s3",
        env_default={"prod": "s3"},
        doc="where Loki keeps chunks",
    )
    loki_bucket: str = setting("", doc="object storage bucket for Loki (s3)")
    loki_endpoint: str = setting("", doc="S3 endpoint URL (empty: AWS)")
    loki_region: str = setting("us-east-1", doc="S3 region")
    loki_access_key_id: str = setting("", doc="S3 access key id; the key is lokiSecretAccessKey")
    loki_retention: str = setting(
        "168h", check=matches(DURATION), allowed="a duration such as 744h", doc="log retention"
    )


@dataclass(frozen=True)
class AlertingSettings:
    availability_objective: float = setting(
        99.9,
        check=between(90, 99.999),
        allowed="a percentage from 90 to 99.999",
        doc="SLO the burn-rate alerts protect",
    )
    error_rate_threshold: float = setting(
        0.05,
        check=between(0.001, 1),
        allowed="a ratio from 0.001 to 1",
        doc="HighErrorRate threshold (checklist: 5%)",
    )
    latency_p99_seconds: float = setting(
        0.5, check=between(0.001, 60), allowed="seconds from 0.001 to 60", doc="HighLatency threshold"
    )
    slack_channel: str = setting("#greenlight-alerts", doc="channel for warnings")
    runbook_base_url: str = setting(
        "https://github.com/acme/greenlight/blob/main/docs/runbooks",
        check=lambda v: v.startswith("https://"),
        allowed="an https URL",
        doc="runbook links prefix",
    )
    for_scale: float = setting(
        1.0,
        check=between(0.001, 1),
        allowed="a factor from 0.001 to 1",
        doc="scales every alert `for` (end-to-end tests only; 1 in real stacks)",
    )


@dataclass(frozen=True)
class Backup:
    enabled: bool = setting(False, env_default={"prod": True}, doc="base backups + WAL archiving")
    schedule: str = setting(
        "0 0 2 * * *",
        check=matches(CRON6),
        allowed="a six-field cron (seconds first)",
        doc="base backup schedule",
    )
    retention: str = setting(
        "30d",
        check=matches(re.compile(r"^\d+[dwm]$")),
        allowed="such as 30d, 4w or 3m",
        doc="backup retention policy",
    )
    destination_path: str = setting("", doc="s3://bucket/path for backups and WAL")
    endpoint_url: str = setting("", doc="S3 endpoint URL (empty: AWS)")
    access_key_id: str = setting("", doc="access key id; the key is backupSecretAccessKey")


@dataclass(frozen=True)
class Restore:
    enabled: bool = setting(False, doc="bootstrap a new cluster from a backup")
    source_cluster: str = setting("", doc="name of the cluster whose backups to restore")
    target_time: str = setting("", doc="point in time (RFC 3339), empty for the latest")


@dataclass(frozen=True)
class DatabaseSettings:
    enabled: bool = setting(True, doc="run PostgreSQL (CloudNativePG) for the app")
    instances: int = setting(
        1,
        check=between(1, 9),
        allowed="an integer from 1 to 9",
        env_default={"staging": 2, "prod": 3},
        doc="PostgreSQL instances",
    )
    storage_size: str = setting(
        "5Gi",
        check=matches(MEMORY),
        allowed="a storage quantity",
        env_default={"prod": "50Gi"},
        doc="volume size per instance",
    )
    storage_class: str = setting("", doc="StorageClass (empty: cluster default)")
    resources: Resources = setting(Resources())
    backup: Backup = setting(Backup())
    restore: Restore = setting(Restore())


@dataclass(frozen=True)
class Settings:
    environment: str = setting(check=one_of(*ENVIRONMENTS), allowed="dev, staging or prod", doc="environment")
    team: str = setting(check=matches(LABEL_VALUE), allowed="a label value", doc="owning team (label `team`)")
    cost_center: str = setting(check=matches(LABEL_VALUE), allowed="a label value", doc="label `cost-center`")
    namespace: str = setting(
        "",
        check=matches(DNS_LABEL, True),
        allowed="a namespace name",
        doc="app namespace (default greenlight-<environment>)",
    )
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
