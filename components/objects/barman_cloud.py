"""Pure builders for the Barman Cloud plugin (CNPG-I): the ObjectStore, the Cluster's plugin entries,
the ScheduledBackup's plugin configuration and the plugin chart's values.

Why the plugin: CloudNativePG deprecated its in-tree `spec.backup.barmanObjectStore` in 1.26, and the
1.30.0 release notes say it is removed in 1.31.0; the plugin is its replacement
(cloudnative-pg/plugin-barman-cloud docs: usage.md, migration.md). The plugin runs as its own
Deployment next to the operator (installed once per stack, components/resources/postgres_operator.py)
and injects a sidecar into every instance pod that archives WAL, takes base backups and restores.

The builders take names, not an AppSpec, so components/objects/database.py composes them without a
cycle: it owns the Cluster and decides which folder ("server name") a cluster writes to.
"""

from __future__ import annotations

from typing import Any

from components.contract import BACKUP_RETENTION_CHECK_SECONDS
from components.objects import chart_hardening
from components.settings import Settings
from components.settings.model import Backup

PLUGIN_NAME = "barman-cloud.cloudnative-pg.io"  # plugin-barman-cloud internal/cnpgi/metadata/constants.go
API_VERSION = "barmancloud.cnpg.io/v1"

# gzip keeps WAL and base backups small at a modest CPU cost (barman-cloud: gzip, bzip2, snappy, ...).
BACKUP_COMPRESSION = "gzip"
# Keys of the Secret holding the object-storage key pair (the plugin docs' names).
S3_ACCESS_KEY_ID = "ACCESS_KEY_ID"
S3_SECRET_ACCESS_KEY = "ACCESS_SECRET_KEY"  # noqa: S105 (a key name, not a secret)
# The sidecar in every instance pod: barman-cloud-wal-archive per WAL segment, barman-cloud-backup per
# base backup (gzip in the sidecar, multipart uploads). The plugin sets no resources of its own; the
# memory limit is generous because an OOM-killed base backup only shows as DatabaseBackupTooOld.
SIDECAR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "1Gi"}}
# The plugin's own Deployment (a controller-runtime manager and gRPC server); the chart sets none.
PLUGIN_RESOURCES = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}}


def object_store_configuration(backup: Backup, secret_name: str) -> dict[str, Any]:
    """`.spec.configuration`: the bucket folder and the Secret keys that open it.

    No `serverName` here: the plugin docs say it must stay empty in an ObjectStore; the Cluster
    names its folder in the plugin parameters instead (`plugin_parameters`).
    """
    configuration: dict[str, Any] = {
        "destinationPath": backup.destination_path,
        "s3Credentials": {
            "accessKeyId": {"name": secret_name, "key": S3_ACCESS_KEY_ID},
            "secretAccessKey": {"name": secret_name, "key": S3_SECRET_ACCESS_KEY},
        },
        "wal": {"compression": BACKUP_COMPRESSION},
        "data": {"compression": BACKUP_COMPRESSION},
    }
    if backup.endpoint_url:  # empty: AWS S3
        configuration["endpointURL"] = backup.endpoint_url
    return configuration


def build_object_store(metadata: dict[str, Any], backup: Backup, secret_name: str, prunes: bool) -> dict[str, Any]:
    """The ObjectStore a cluster archives to and restores from.

    `prunes`: apply `backup.retention` (a recovery window; barman deletes what falls out of it). Off
    for a store that is only read (a restore drill against another stack's bucket must delete nothing).
    """
    spec: dict[str, Any] = {
        "configuration": object_store_configuration(backup, secret_name),
        "instanceSidecarConfiguration": {
            "retentionPolicyIntervalSeconds": BACKUP_RETENTION_CHECK_SECONDS,
            "resources": SIDECAR_RESOURCES,
        },
    }
    if prunes:
        spec["retentionPolicy"] = backup.retention
    return {"apiVersion": API_VERSION, "kind": "ObjectStore", "metadata": metadata, "spec": spec}


def plugin_parameters(object_store: str, server_name: str) -> dict[str, str]:
    return {"barmanObjectName": object_store, "serverName": server_name}


def wal_archiver(object_store: str, server_name: str) -> dict[str, Any]:
    """The Cluster's `.spec.plugins` entry: WAL archiving and base backups into `server_name`."""
    return {"name": PLUGIN_NAME, "isWALArchiver": True, "parameters": plugin_parameters(object_store, server_name)}


def recovery_source(object_store: str, server_name: str) -> dict[str, Any]:
    """An `.spec.externalClusters` entry whose backups `bootstrap.recovery.source` restores from."""
    plugin = {"name": PLUGIN_NAME, "parameters": plugin_parameters(object_store, server_name)}
    return {"name": server_name, "plugin": plugin}


def backup_method() -> dict[str, Any]:
    """The Backup/ScheduledBackup fields that hand a base backup to the plugin."""
    return {"method": "plugin", "pluginConfiguration": {"name": PLUGIN_NAME}}


def plugin_chart_values(settings: Settings) -> dict[str, Any]:
    """The plugin chart's values: its CRD, its resources; the cert-manager Issuer and Certificates it
    needs for the operator<->plugin mTLS stay on (chart defaults), so cert-manager must be installed."""
    values = {"crds": {"create": True}, "resources": PLUGIN_RESOURCES}
    return chart_hardening.merge(values, chart_hardening.barman_cloud_plugin(settings))
