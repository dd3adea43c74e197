"""Pure builders of the app's PostgreSQL, run by the CloudNativePG operator, with backups in prod.

``build_cluster``, ``build_scheduled_backup``, ``build_pod_monitor`` and the Secrets' shapes are pure;
components/resources/database.py wires them (per app), and the operator chart's values
(``operator_chart_values``) are installed once per stack by components/resources/postgres_operator.py.

Why in-tree ``barmanObjectStore`` and not the Barman Cloud plugin: the pinned operator (1.30.0)
still supports it (its removal moved to 1.31.0, see the 1.30.0 release notes), and the plugin
needs cert-manager plus a second operator install that greenlight does not manage. Moving to the
plugin is a change of this module only: settings and the restore runbook keep their meaning.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any
from urllib.parse import quote

from components.contract import (
    CNPG_CLUSTER_LABEL,
    CNPG_INSTANCE_ROLE_LABEL,
    DATABASE_JOB,
    DATABASE_ROLE,
    DATABASE_URL_KEY,
    POSTGRES_PORT,
    PROMETHEUS_SELECTOR_LABELS,
    database_cluster_name,
    database_url_secret_name,
)
from components.objects import chart_hardening
from components.objects.charts import CLOUDNATIVE_PG
from components.objects.meta import Owner, standard_labels
from components.settings import AppSpec, Settings
from components.settings.names import CNPG_OPERATOR_NAMESPACE

CNPG_OPERATOR_VERSION = "1.30.0"  # appVersion of the pinned chart (objects/charts.py): labels our CNPG objects
CNPG_API_VERSION = "postgresql.cnpg.io/v1"
# The chart sets no resources for the operator; these fit one environment's clusters.
OPERATOR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}

# The app's database and role (bootstrap.initdb). The app reads DATABASE_URL.
DATABASE_NAME = "app"
DATABASE_OWNER = "app"

# Scraping: CNPG instance pods expose metrics on the container port named "metrics" (9187). The
# PodMonitor sets `job="database"` and copies the pod's cnpg.io/instanceRole to `role`: DatabaseDown
# (components/rules/database.py) asks whether the primary's PostgreSQL answers.
METRICS_PORT_NAME = "metrics"
METRICS_PORT = 9187
CNPG_POD_ROLE_LABEL = "cnpg.io/podRole"
# Kubernetes service discovery exposes pod labels as __meta_kubernetes_pod_label_<name, sanitized>.
ROLE_META_LABEL = "__meta_kubernetes_pod_label_" + re.sub(r"[^a-zA-Z0-9_]", "_", CNPG_INSTANCE_ROLE_LABEL)

# Pulumi has no built-in await for custom resources: without this annotation (pulumi-kubernetes
# >= 4.18, "user-defined await logic") `pulumi up` moves on as soon as the Cluster object exists, and
# the migration Job would connect before PostgreSQL is up. CNPG sets the Ready condition once every
# instance runs (CNPG docs "Conditions"; `kubectl wait --for=condition=Ready cluster/<name>`).
WAIT_FOR_ANNOTATION = "pulumi.com/waitFor"
WAIT_FOR_READY = "condition=Ready"
# initdb (or a restore) plus one pg_basebackup per replica; a large restore can take longer: raise it then.
CLUSTER_READY_TIMEOUT = "30m"

# Barman: gzip keeps WAL and base backups small at a modest CPU cost (CNPG: gzip, bzip2, snappy).
BACKUP_COMPRESSION = "gzip"
S3_ACCESS_KEY_ID = "ACCESS_KEY_ID"
S3_SECRET_ACCESS_KEY = "ACCESS_SECRET_KEY"  # noqa: S105 (a key name, not a secret)


def cluster_name(spec: AppSpec) -> str:
    return database_cluster_name(spec.name)


def credentials_secret_name(spec: AppSpec) -> str:
    return f"{cluster_name(spec)}-credentials"


def url_secret_name(spec: AppSpec) -> str:
    return database_url_secret_name(spec.name)


def backup_secret_name(spec: AppSpec) -> str:
    return f"{cluster_name(spec)}-backup-s3"


def rw_host(spec: AppSpec) -> str:
    """The operator's read-write Service always points at the current primary."""
    return f"{cluster_name(spec)}-rw.{spec.namespace}.svc"


def database_url(spec: AppSpec, password: str) -> str:
    return f"postgresql://{DATABASE_OWNER}:{quote(password, safe='')}@{rw_host(spec)}:{POSTGRES_PORT}/{DATABASE_NAME}"


def needs_object_store(spec: AppSpec) -> bool:
    return spec.database.backup.enabled or spec.database.restore.enabled


def backup_server_name(spec: AppSpec) -> str:
    """Folder under destinationPath the cluster archives to.

    A cluster restored from backups must not archive into the folder it restores from (barman
    refuses a non-empty archive), so a restored cluster writes to `<cluster>-restore-<hash>`.
    Name that folder as `restore.sourceCluster` to restore from the restored cluster later.
    """
    name = cluster_name(spec)
    restore = spec.database.restore
    if not restore.enabled:
        return name
    digest = hashlib.sha256(f"{restore.source_cluster}|{restore.target_time}".encode()).hexdigest()[:6]
    return f"{name}-restore-{digest}"


def _metadata(spec: AppSpec, name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": spec.namespace,
        "labels": standard_labels(spec, cluster_name(spec), component, CNPG_OPERATOR_VERSION),
    }


def barman_object_store(spec: AppSpec, server_name: str) -> dict[str, Any]:
    """Where base backups and WAL live, and the Secret keys that open it."""
    backup = spec.database.backup
    secret = backup_secret_name(spec)
    store: dict[str, Any] = {
        "destinationPath": backup.destination_path,
        "serverName": server_name,
        "s3Credentials": {
            "accessKeyId": {"name": secret, "key": S3_ACCESS_KEY_ID},
            "secretAccessKey": {"name": secret, "key": S3_SECRET_ACCESS_KEY},
        },
        "wal": {"compression": BACKUP_COMPRESSION},
        "data": {"compression": BACKUP_COMPRESSION},
    }
    if backup.endpoint_url:  # empty: AWS S3
        store["endpointURL"] = backup.endpoint_url
    return store


def _bootstrap(spec: AppSpec) -> dict[str, Any]:
    app_user = {
        "database": DATABASE_NAME,
        "owner": DATABASE_OWNER,
        "secret": {"name": credentials_secret_name(spec)},
    }
    restore = spec.database.restore
    if not restore.enabled:
        return {"initdb": app_user}
    recovery: dict[str, Any] = {"source": restore.source_cluster, **app_user}
    if restore.target_time:
        recovery["recoveryTarget"] = {"targetTime": restore.target_time}
    return {"recovery": recovery}


def build_cluster(spec: AppSpec) -> dict[str, Any]:
    """The CNPG Cluster: instances, storage, resources, bootstrap, backups, and no operator PodMonitor."""
    db = spec.database
    name = cluster_name(spec)
    storage: dict[str, Any] = {"size": db.storage_size}
    if db.storage_class:
        storage["storageClass"] = db.storage_class
    res = db.resources
    cluster: dict[str, Any] = {
        "instances": db.instances,
        # The default operand image is a "system" image, which bundles barman-cloud for backups.
        "storage": storage,
        "resources": {
            "requests": {"cpu": res.cpu_request, "memory": res.memory_request},
            "limits": {"cpu": res.cpu_limit, "memory": res.memory_limit},
        },
        # Spread instances over nodes so one node loss keeps a replica to promote.
        "affinity": {"enablePodAntiAffinity": True, "topologyKey": "kubernetes.io/hostname"},
        "inheritedMetadata": {"labels": standard_labels(spec, name, "database", CNPG_OPERATOR_VERSION)},
        "bootstrap": _bootstrap(spec),
        # Our own PodMonitor (build_pod_monitor) sets job="database"; the operator's would not.
        "monitoring": {"enablePodMonitor": False},
    }
    if db.backup.enabled:
        cluster["backup"] = {
            "barmanObjectStore": barman_object_store(spec, backup_server_name(spec)),
            "retentionPolicy": db.backup.retention,
        }
    if db.restore.enabled:
        source = db.restore.source_cluster
        cluster["externalClusters"] = [{"name": source, "barmanObjectStore": barman_object_store(spec, source)}]
    metadata = {**_metadata(spec, name, "database"), "annotations": {WAIT_FOR_ANNOTATION: WAIT_FOR_READY}}
    return {"apiVersion": CNPG_API_VERSION, "kind": "Cluster", "metadata": metadata, "spec": cluster}


def build_scheduled_backup(spec: AppSpec) -> dict[str, Any]:
    """Base backups on spec.database.backup.schedule (six fields, seconds first)."""
    name = cluster_name(spec)
    return {
        "apiVersion": CNPG_API_VERSION,
        "kind": "ScheduledBackup",
        "metadata": _metadata(spec, f"{name}-scheduled", "backup"),
        "spec": {
            "schedule": spec.database.backup.schedule,
            "cluster": {"name": name},
            "method": "barmanObjectStore",
            "immediate": True,  # a first base backup at once: WAL alone cannot restore
            "backupOwnerReference": "self",
        },
    }


def build_pod_monitor(spec: AppSpec) -> dict[str, Any]:
    """Scrapes every instance pod; the relabelings set `job="database"`, `pod` and `role` (primary/replica)."""
    name = cluster_name(spec)
    metadata = _metadata(spec, f"{name}-metrics", "database")
    metadata["labels"] = {**metadata["labels"], **PROMETHEUS_SELECTOR_LABELS}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": metadata,
        "spec": {
            "selector": {"matchLabels": {CNPG_CLUSTER_LABEL: name, CNPG_POD_ROLE_LABEL: "instance"}},
            "namespaceSelector": {"matchNames": [spec.namespace]},
            "podMetricsEndpoints": [
                {
                    "port": METRICS_PORT_NAME,
                    "relabelings": [
                        {"action": "replace", "targetLabel": "job", "replacement": DATABASE_JOB},
                        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_name"], "targetLabel": "pod"},
                        {"action": "replace", "sourceLabels": [ROLE_META_LABEL], "targetLabel": DATABASE_ROLE},
                    ],
                }
            ],
        },
    }


def operator_chart_values(settings: Settings) -> dict[str, Any]:
    values = {
        "crds": {"create": True},
        "resources": OPERATOR_RESOURCES,
        "monitoring": {"podMonitorEnabled": False, "grafanaDashboard": {"create": False}},
    }
    return chart_hardening.merge(values, chart_hardening.cloudnative_pg(settings))


def _secret(spec: AppSpec, name: str, secret_type: str, string_data: dict[str, Any]) -> dict[str, Any]:
    """A Secret manifest; values may be Pulumi secret Outputs (they stay secret through registration)."""
    metadata = _metadata(spec, name, "database")
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "type": secret_type, "stringData": string_data}


def build_credentials_secret(spec: AppSpec, password: Any) -> dict[str, Any]:
    """The app role's login, which bootstrap.initdb (or recovery) reads."""
    data = {"username": DATABASE_OWNER, "password": password}
    return _secret(spec, credentials_secret_name(spec), "kubernetes.io/basic-auth", data)


def build_url_secret(spec: AppSpec, url: Any) -> dict[str, Any]:
    """DATABASE_URL for the app and its migration Job."""
    return _secret(spec, url_secret_name(spec), "Opaque", {DATABASE_URL_KEY: url})


def build_backup_secret(spec: AppSpec, secret_access_key: Any) -> dict[str, Any]:
    """The object-storage key pair barman uses for backups, WAL and restores."""
    data = {S3_ACCESS_KEY_ID: spec.database.backup.access_key_id, S3_SECRET_ACCESS_KEY: secret_access_key}
    return _secret(spec, backup_secret_name(spec), "Opaque", data)


def operator_labels(owner: Owner) -> dict[str, str]:
    """Labels of the operator's namespace and of the objects greenlight adds around its chart."""
    return standard_labels(owner, CLOUDNATIVE_PG.chart, "database-operator", CNPG_OPERATOR_VERSION)


def build_operator_namespace(owner: Owner) -> dict[str, Any]:
    """The operator's own namespace, created once per stack (the operator watches every namespace)."""
    labels = operator_labels(owner)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CNPG_OPERATOR_NAMESPACE, "labels": labels}}
