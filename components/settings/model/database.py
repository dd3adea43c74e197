"""Settings of the app's PostgreSQL: instances, storage, backups, restore."""

from __future__ import annotations

import re
from dataclasses import dataclass

from components.settings.endpoints import S3_PATH_ALLOWED, URL_ALLOWED, s3_path_ok, url_ok
from components.settings.fields import setting
from components.settings.grammar import (
    CRON_ALLOWED,
    DNS_LABEL,
    DNS_NAME,
    between,
    cron_ok,
    matches,
    memory_ok,
    optional,
)
from components.settings.model.app import Resources

# CloudNativePG Cluster.spec.backup.retentionPolicy (its CRD pattern): a positive count of days, weeks, months.
BACKUP_RETENTION = re.compile(r"^[1-9][0-9]*[dwm]$")


@dataclass(frozen=True)
class Backup:
    enabled: bool = setting(False, env_default={"prod": True}, doc="base backups + WAL archiving")
    schedule: str = setting(
        "0 0 2 * * *",
        check=cron_ok,
        allowed=CRON_ALLOWED,
        doc="base backup schedule",
    )
    retention: str = setting(
        "30d",
        check=matches(BACKUP_RETENTION),
        allowed="a positive number of days, weeks or months, such as 30d, 4w or 3m",
        doc="backup retention policy",
    )
    destination_path: str = setting(
        "", check=optional(s3_path_ok), allowed=S3_PATH_ALLOWED, doc="s3://bucket/path for backups and WAL"
    )
    endpoint_url: str = setting("", check=optional(url_ok), allowed=URL_ALLOWED, doc="S3 endpoint URL (empty: AWS)")
    access_key_id: str = setting("", doc="access key id; the key is backupSecretAccessKey")


@dataclass(frozen=True)
class Restore:
    enabled: bool = setting(False, doc="bootstrap a new cluster from a backup")
    source_cluster: str = setting(
        "",
        check=matches(DNS_LABEL, True),
        allowed="a cluster name (a DNS-1123 label)",
        doc="name of the cluster whose backups to restore",
    )
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
        check=memory_ok,
        allowed="a storage quantity such as 50Gi",
        env_default={"prod": "50Gi"},
        doc="volume size per instance",
    )
    storage_class: str = setting(
        "", check=matches(DNS_NAME, True), allowed="a StorageClass name", doc="StorageClass (empty: cluster default)"
    )
    resources: Resources = setting(Resources())
    backup: Backup = setting(Backup())
    restore: Restore = setting(Restore())
