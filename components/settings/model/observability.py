"""Settings of the monitoring stack, logs and alerting."""

from __future__ import annotations

from dataclasses import dataclass

from components.settings.endpoints import (
    BUCKET_ALLOWED,
    HTTPS_URL_ALLOWED,
    REGION,
    REGION_ALLOWED,
    SLACK_CHANNEL,
    SLACK_CHANNEL_ALLOWED,
    URL_ALLOWED,
    bucket_ok,
    https_url_ok,
    url_ok,
)
from components.settings.fields import setting
from components.settings.grammar import (
    CONTROL_PLANES,
    DNS_NAME,
    DURATION_ALLOWED,
    between,
    duration_at_least,
    matches,
    memory_ok,
    namespace_ok,
    one_of,
    optional,
)

# Loki's compactor applies retention per daily index table (Loki docs, operations/storage/retention).
LOKI_MIN_RETENTION_SECONDS = 24 * 3600


@dataclass(frozen=True)
class MonitoringSettings:
    enabled: bool = setting(True, doc="install Prometheus, Alertmanager, Grafana, Loki and Alloy")
    namespace: str = setting(
        "monitoring",
        check=namespace_ok,
        allowed="a namespace name (a DNS-1123 label; not default or kube-*)",
        doc="namespace of the monitoring stack",
    )
    retention: str = setting(
        "3d",
        check=duration_at_least(1),
        allowed=DURATION_ALLOWED,
        env_default={"staging": "7d", "prod": "15d"},
        doc="Prometheus retention; at least the longest SLO window (3d)",
    )
    storage_size: str = setting(
        "10Gi",
        check=memory_ok,
        allowed="a storage quantity such as 50Gi",
        env_default={"prod": "100Gi"},
        doc="Prometheus volume size; retentionSize is 80% of it",
    )
    control_plane: str = setting(
        "managed",
        check=one_of(*CONTROL_PLANES),
        allowed="managed or self-managed",
        doc="managed (EKS, GKE, AKS): no scheduler, controller-manager, etcd or kube-proxy targets or alerts",
    )
    storage_class: str = setting(
        "",
        check=matches(DNS_NAME, True),
        allowed="a StorageClass name",
        doc="StorageClass for volumes (empty: cluster default)",
    )
    loki_storage: str = setting(
        "filesystem",
        check=one_of("filesystem", "s3"),
        allowed="filesystem or s3",
        env_default={"prod": "s3"},
        doc="where Loki keeps chunks",
    )
    loki_bucket: str = setting(
        "", check=optional(bucket_ok), allowed=BUCKET_ALLOWED, doc="object storage bucket for Loki (s3)"
    )
    loki_endpoint: str = setting("", check=optional(url_ok), allowed=URL_ALLOWED, doc="S3 endpoint URL (empty: AWS)")
    loki_region: str = setting("us-east-1", check=matches(REGION), allowed=REGION_ALLOWED, doc="S3 region")
    loki_access_key_id: str = setting("", doc="S3 access key id; the key is lokiSecretAccessKey")
    loki_retention: str = setting(
        "168h",
        check=duration_at_least(LOKI_MIN_RETENTION_SECONDS),
        allowed="a Prometheus duration of at least 24h (Loki's compactor retains whole days), such as 744h",
        doc="log retention",
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
    slack_channel: str = setting(
        "#greenlight-alerts",
        check=matches(SLACK_CHANNEL),
        allowed=SLACK_CHANNEL_ALLOWED,
        doc="channel for warnings",
    )
    runbook_base_url: str = setting(
        "https://github.com/acme/greenlight/blob/main/docs/runbooks",
        check=https_url_ok,
        allowed=HTTPS_URL_ALLOWED,
        doc="runbook links prefix",
    )
    grafana_url: str = setting(
        "http://localhost:3000",
        check=lambda v: url_ok(v) and not v.endswith("/"),
        allowed=f"{URL_ALLOWED}, without a trailing slash",
        doc="Grafana address of the alerts' dashboard links and the `dashboards` output (default: the port-forward)",
    )
    for_scale: float = setting(
        1.0,
        check=between(0.001, 1),
        allowed="a factor from 0.001 to 1",
        doc="scales every alert `for` (end-to-end tests only; refused in staging and prod)",
    )
