"""Stack settings: the only module that reads Pulumi config.

``load()`` turns ``Pulumi.<stack>.yaml`` (namespace ``greenlight``) into frozen dataclasses,
validated in one place before any resource is registered. Every problem names the stack file,
the key, the value and what is allowed; all problems are reported together.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components.schema import ConfigError, Reader, Secret, setting

NAMESPACE = "greenlight"
ENVIRONMENTS = ("dev", "staging", "prod")
COLORS = ("blue", "green")

# Kubernetes quantity and name grammars (apimachinery resource.Quantity, DNS-1123).
_CPU = re.compile(r"^(\d+m|\d+(\.\d+)?)$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
# Prometheus duration: 30s, 5m, 15d ...
_DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")
# registry/path/name[:tag][@sha256:64 hex]
_IMAGE = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)
_SEMVER = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
# CloudNativePG ScheduledBackup uses six-field cron (seconds first).
_CRON6 = re.compile(r"^(\S+\s+){5}\S+$")
_SECRET_ENV = re.compile(r"(PASSWORD|PASSWD|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)", re.I)
BUILD = "build"  # an image setting of "build" means: the image built from app/ by this stack


def _one_of(*choices: str) -> Any:
    return lambda v: v in choices


def _between(low: float, high: float) -> Any:
    return lambda v: low <= v <= high


def _matches(pattern: re.Pattern[str], optional: bool = False) -> Any:
    return lambda v: (optional and v == "") or bool(pattern.fullmatch(v))


def _image_ok(value: str) -> bool:
    return value in ("", BUILD) or bool(_IMAGE.fullmatch(value))


def cpu_millicores(quantity: str) -> float:
    return float(quantity[:-1]) if quantity.endswith("m") else float(quantity) * 1000


def memory_bytes(quantity: str) -> float:
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    units["Ti"] = 2**40
    number = re.match(r"^\d+(\.\d+)?", quantity)
    assert number is not None
    return float(number.group(0)) * units.get(quantity[number.end() :], 1)


_CPU_ALLOWED = "a CPU quantity such as 250m or 1"
_MEM_ALLOWED = "a memory quantity such as 256Mi or 1Gi"


@dataclass(frozen=True)
class Resources:
    cpu_request: str = setting("100m", check=_matches(_CPU), allowed=_CPU_ALLOWED, doc="CPU request")
    cpu_limit: str = setting("500m", check=_matches(_CPU), allowed=_CPU_ALLOWED, doc="CPU limit")
    memory_request: str = setting("128Mi", check=_matches(_MEMORY), allowed=_MEM_ALLOWED, doc="memory request")
    memory_limit: str = setting("256Mi", check=_matches(_MEMORY), allowed=_MEM_ALLOWED, doc="memory limit")


@dataclass(frozen=True)
class Autoscaling:
    enabled: bool = setting(False, env_default={"staging": True, "prod": True}, doc="create an HPA")
    min_replicas: int = setting(
        1,
        check=_between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="HPA minimum",
    )
    max_replicas: int = setting(
        3,
        check=_between(1, 500),
        allowed="an integer from 1 to 500",
        env_default={"staging": 4, "prod": 10},
        doc="HPA maximum",
    )
    target_cpu_utilization: int = setting(
        70, check=_between(10, 100), allowed="a percentage from 10 to 100", doc="HPA CPU target"
    )


@dataclass(frozen=True)
class Ingress:
    enabled: bool = setting(False, doc="expose the active Service through an Ingress with TLS")
    host: str = setting("", check=_matches(_DNS_NAME, True), allowed="a DNS name", doc="host name")
    class_name: str = setting("nginx", doc="IngressClass name")
    tls_secret_name: str = setting(
        "", check=_matches(_DNS_NAME, True), allowed="a Secret name", doc="TLS Secret (cert-manager)"
    )
    source_namespace: str = setting(
        "ingress-nginx",
        check=_matches(_DNS_LABEL),
        allowed="a namespace name",
        doc="namespace of the ingress controller allowed in by the NetworkPolicy",
    )


@dataclass(frozen=True)
class AppSettings:
    name: str = setting("web", check=_matches(_DNS_LABEL), allowed="a DNS-1123 label", doc="app name")
    image: str = setting(
        "",
        check=_image_ok,
        allowed="an image reference (registry/name@sha256:<digest>) or 'build'",
        doc="image of the rolling track; 'build' uses the image built from app/",
    )
    version: str = setting(
        "1.0.0",
        check=_matches(_SEMVER),
        allowed="a semantic version such as 1.4.2",
        doc="app.kubernetes.io/version of the rolling track",
    )
    port: int = setting(8080, check=_between(1024, 65535), allowed="a port from 1024 to 65535", doc="container port")
    replicas: int = setting(
        1,
        check=_between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="replicas when autoscaling is off",
    )
    drain_seconds: int = setting(
        20,
        check=_between(1, 300),
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
        check=_matches(_IMAGE),
        allowed="a repository path",
        doc="repository under the registry",
    )
    username: str = setting("", doc="registry user; the password is greenlight:registryPassword")
    platform: str = setting(
        "linux/amd64",
        check=_one_of("linux/amd64", "linux/arm64"),
        allowed="linux/amd64 or linux/arm64",
        doc="target platform",
    )


@dataclass(frozen=True)
class Track:
    image: str = setting(
        "",
        check=_image_ok,
        allowed="an image reference pinned by digest, or 'build'",
        doc="image of this color",
    )
    version: str = setting("1.0.0", check=_matches(_SEMVER), allowed="a semantic version", doc="version of this color")


@dataclass(frozen=True)
class Gate:
    enabled: bool = setting(True, doc="run the promotion gate Job before traffic moves")
    max_error_ratio: float = setting(
        0.01, check=_between(0, 1), allowed="a ratio from 0 to 1", doc="max 5xx share of the preview"
    )
    max_p99_latency_seconds: float = setting(
        0.5, check=_between(0.001, 60), allowed="seconds from 0.001 to 60", doc="max p99 latency"
    )
    window: str = setting("5m", check=_matches(_DURATION), allowed="a duration such as 5m", doc="query window")
    timeout_seconds: int = setting(
        300, check=_between(30, 3600), allowed="seconds from 30 to 3600", doc="gate Job deadline"
    )
    image: str = setting(
        "curlimages/curl:8.11.1@sha256:c1fe1679c34d9784c1b0d1e5f62ac0a79fca01fb6377cdd33e90473c6f9f9a69",
        check=_image_ok,
        allowed="an image reference with curl",
        doc="image the gate Job runs",
    )


@dataclass(frozen=True)
class ReleaseSettings:
    strategy: str = setting(
        "rolling",
        check=_one_of("rolling", "blue-green", "canary"),
        allowed="rolling, blue-green or canary",
        env_default={"prod": "blue-green"},
        doc="how new versions take traffic",
    )
    active_color: str = setting(
        "blue", check=_one_of(*COLORS), allowed="blue or green", doc="color the live Service selects"
    )
    blue: Track = setting(Track())
    green: Track = setting(Track())
    scale_down_idle: bool = setting(False, doc="scale the idle color to 0 (slower rollback, lower cost)")
    canary_weight: int = setting(
        0,
        check=_between(0, 100),
        allowed="a percentage from 0 to 100",
        doc="share of traffic sent to the idle color (canary only)",
    )
    gateway_name: str = setting("public", doc="Gateway the canary HTTPRoute attaches to")
    gateway_namespace: str = setting("gateway", doc="namespace of that Gateway")
    gate: Gate = setting(Gate())


@dataclass(frozen=True)
class MonitoringSettings:
    enabled: bool = setting(True, doc="install Prometheus, Alertmanager, Grafana, Loki and Alloy")
    namespace: str = setting(
        "monitoring",
        check=_matches(_DNS_LABEL),
        allowed="a namespace name",
        doc="namespace of the monitoring stack",
    )
    retention: str = setting(
        "2d",
        check=_matches(_DURATION),
        allowed="a duration such as 15d",
        env_default={"staging": "7d", "prod": "15d"},
        doc="Prometheus retention",
    )
    storage_size: str = setting(
        "10Gi",
        check=_matches(_MEMORY),
        allowed="a storage quantity such as 50Gi",
        env_default={"prod": "100Gi"},
        doc="Prometheus volume size",
    )
    storage_class: str = setting("", doc="StorageClass for volumes (empty: cluster default)")
    loki_storage: str = setting(
        "filesystem",
        check=_one_of("filesystem", "s3"),
        allowed="filesystem or s3",
        env_default={"prod": "s3"},
        doc="where Loki keeps chunks",
    )
    loki_bucket: str = setting("", doc="object storage bucket for Loki (s3)")
    loki_endpoint: str = setting("", doc="S3 endpoint URL (empty: AWS)")
    loki_region: str = setting("us-east-1", doc="S3 region")
    loki_access_key_id: str = setting("", doc="S3 access key id; the key is lokiSecretAccessKey")
    loki_retention: str = setting(
        "168h", check=_matches(_DURATION), allowed="a duration such as 744h", doc="log retention"
    )


@dataclass(frozen=True)
class AlertingSettings:
    availability_objective: float = setting(
        99.9,
        check=_between(90, 99.999),
        allowed="a percentage from 90 to 99.999",
        doc="SLO the burn-rate alerts protect",
    )
    error_rate_threshold: float = setting(
        0.05,
        check=_between(0.001, 1),
        allowed="a ratio from 0.001 to 1",
        doc="HighErrorRate threshold (checklist: 5%)",
    )
    latency_p99_seconds: float = setting(
        0.5, check=_between(0.001, 60), allowed="seconds from 0.001 to 60", doc="HighLatency threshold"
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
        check=_between(0.001, 1),
        allowed="a factor from 0.001 to 1",
        doc="scales every alert `for` (end-to-end tests only; 1 in real stacks)",
    )


@dataclass(frozen=True)
class Backup:
    enabled: bool = setting(False, env_default={"prod": True}, doc="base backups + WAL archiving")
    schedule: str = setting(
        "0 0 2 * * *",
        check=_matches(_CRON6),
        allowed="a six-field cron (seconds first)",
        doc="base backup schedule",
    )
    retention: str = setting(
        "30d",
        check=_matches(re.compile(r"^\d+[dwm]$")),
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
        check=_between(1, 9),
        allowed="an integer from 1 to 9",
        env_default={"staging": 2, "prod": 3},
        doc="PostgreSQL instances",
    )
    storage_size: str = setting(
        "5Gi",
        check=_matches(_MEMORY),
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
    environment: str = setting(check=_one_of(*ENVIRONMENTS), allowed="dev, staging or prod", doc="environment")
    team: str = setting(check=_matches(_LABEL_VALUE), allowed="a label value", doc="owning team (label `team`)")
    cost_center: str = setting(check=_matches(_LABEL_VALUE), allowed="a label value", doc="label `cost-center`")
    namespace: str = setting(
        "",
        check=_matches(_DNS_LABEL, True),
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


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def parse(raw: Mapping[str, Any], stack: str, secret_keys: set[str] | frozenset[str] = frozenset()) -> Settings:
    """Pure: raw config (``greenlight:key`` -> value) to validated Settings, or ConfigError."""
    from components import invariants

    prefix = f"{NAMESPACE}:"
    ours = {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
    environment = str(ours.get("environment", ""))
    reader = Reader(environment if environment in ENVIRONMENTS else "dev", NAMESPACE, set(secret_keys))
    settings = reader.read(Settings, ours)
    problems = reader.problems
    if not problems:
        problems = invariants.check(settings)
    if problems:
        raise ConfigError(stack_file(stack), problems)
    return settings


def load() -> Settings:
    """Reads the running stack's config (the Pulumi engine's or the offline preview's)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # The SDK has no public "all keys" call; unknown-key detection needs the whole map.
    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
    return parse(raw, pulumi.get_stack(), secret_keys)
