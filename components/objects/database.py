"""Pure builders of the app's PostgreSQL, run by the CloudNativePG operator, with backups in prod.

``build_cluster``, ``build_object_store``, ``build_scheduled_backup``, ``build_pod_monitor`` and the
Secrets' shapes are pure; components/resources/database.py wires them (per app), and the operator and
Barman Cloud plugin charts' values (``operator_chart_values``, barman_cloud.plugin_chart_values) are
installed once per stack by components/resources/postgres_operator.py.

Backups go through the Barman Cloud plugin (objects/barman_cloud.py), not the in-tree
``spec.backup.barmanObjectStore`` that CloudNativePG 1.31.0 removes: an ObjectStore per cluster, the
Cluster's ``spec.plugins`` WAL archiver, ``ScheduledBackup`` with ``method: plugin``, and
``externalClusters[].plugin`` for a point-in-time restore.
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
from components.objects import barman_cloud, chart_hardening
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

# Scraping: CNPG instance pods expose metrics on the container port named "metrics" (9187), the
# Barman Cloud plugin's included. The PodMonitor sets `job="database"` and copies the pod's
# cnpg.io/instanceRole to `role`: DatabaseDown (components/rules/database.py) asks whether the primary's
# PostgreSQL answers.
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

# Failure domains: instances spread over zones (at most one instance of skew; `required` holds an
# instance Pending rather than put a second one in a zone) and, softly, over nodes.
ZONE_KEY = "topology.kubernetes.io/zone"
HOST_KEY = "kubernetes.io/hostname"
WHEN_UNSATISFIABLE = {"required": "DoNotSchedule", "preferred": "ScheduleAnyway"}
# Honor: nodes with taints the instance does not tolerate (a lost zone's nodes are tainted unreachable,
# cordoned nodes unschedulable) leave the skew count, so a lost zone does not block rebuilding an
# instance in the zones left (Kubernetes: NodeInclusionPolicyInPodTopologySpread, default on since 1.26).
NODE_TAINTS_POLICY = "Honor"


def cluster_name(spec: AppSpec) -> str:
    return database_cluster_name(spec.name)


def credentials_secret_name(spec: AppSpec) -> str:
    return f"{cluster_name(spec)}-credentials"


def url_secret_name(spec: AppSpec) -> str:
    return database_url_secret_name(spec.name)


def backup_secret_name(spec: AppSpec) -> str:
    return f"{cluster_name(spec)}-backup-s3"


def object_store_name(spec: AppSpec) -> str:
    """One ObjectStore per cluster (the plugin docs recommend one per cluster)."""
    return f"{cluster_name(spec)}-backups"


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


def instance_selector(spec: AppSpec) -> dict[str, str]:
    """The labels CloudNativePG puts on a cluster's instance pods (not on its initdb/join Job pods)."""
    return {CNPG_CLUSTER_LABEL: cluster_name(spec), CNPG_POD_ROLE_LABEL: "instance"}


def topology_spread(spec: AppSpec) -> list[dict[str, Any]]:
    """Instances across zones (hard where database.zoneSpread is required) and across nodes (soft)."""

    def constraint(key: str, when: str) -> dict[str, Any]:
        return {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": instance_selector(spec)},
            "nodeTaintsPolicy": NODE_TAINTS_POLICY,
        }

    return [
        constraint(ZONE_KEY, WHEN_UNSATISFIABLE[spec.database.zone_spread]),
        constraint(HOST_KEY, WHEN_UNSATISFIABLE["preferred"]),
    ]


def build_cluster(spec: AppSpec) -> dict[str, Any]:
    """The CNPG Cluster: instances, storage, resources, spread, bootstrap and the backup plugin."""
    db = spec.database
    name = cluster_name(spec)
    storage: dict[str, Any] = {"size": db.storage_size}
    if db.storage_class:
        storage["storageClass"] = db.storage_class
    res = db.resources
    cluster: dict[str, Any] = {
        "instances": db.instances,
        "storage": storage,
        "resources": {
            "requests": {"cpu": res.cpu_request, "memory": res.memory_request},
            "limits": {"cpu": res.cpu_limit, "memory": res.memory_limit},
        },
        # Never two instances on one node where it can be helped (preferred: a small cluster still runs).
        "affinity": {"enablePodAntiAffinity": True, "topologyKey": HOST_KEY},
        "topologySpreadConstraints": topology_spread(spec),
        "inheritedMetadata": {"labels": standard_labels(spec, name, "database", CNPG_OPERATOR_VERSION)},
        "bootstrap": _bootstrap(spec),
        # No `monitoring.enablePodMonitor` (deprecated in 1.30): our own PodMonitor sets job="database".
    }
    if db.backup.enabled:
        cluster["plugins"] = [barman_cloud.wal_archiver(object_store_name(spec), backup_server_name(spec))]
    if db.restore.enabled:
        source = barman_cloud.recovery_source(object_store_name(spec), db.restore.source_cluster)
        cluster["externalClusters"] = [source]
    metadata = {**_metadata(spec, name, "database"), "annotations": {WAIT_FOR_ANNOTATION: WAIT_FOR_READY}}
    return {"apiVersion": CNPG_API_VERSION, "kind": "Cluster", "metadata": metadata, "spec": cluster}


def build_object_store(spec: AppSpec) -> dict[str, Any]:
    """Where base backups and WAL live. Retention prunes only what this stack backs up itself."""
    metadata = _metadata(spec, object_store_name(spec), "backup")
    prunes = spec.database.backup.enabled
    return barman_cloud.build_object_store(metadata, spec.database.backup, backup_secret_name(spec), prunes)


def build_scheduled_backup(spec: AppSpec) -> dict[str, Any]:
    """Base backups on spec.database.backup.schedule (six fields, seconds first), taken by the plugin."""
    name = cluster_name(spec)
    return {
        "apiVersion": CNPG_API_VERSION,
        "kind": "ScheduledBackup",
        "metadata": _metadata(spec, f"{name}-scheduled", "backup"),
        "spec": {
            "schedule": spec.database.backup.schedule,
            "cluster": {"name": name},
            **barman_cloud.backup_method(),
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
            "selector": {"matchLabels": instance_selector(spec)},
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
    data = {
        barman_cloud.S3_ACCESS_KEY_ID: spec.database.backup.access_key_id,
        barman_cloud.S3_SECRET_ACCESS_KEY: secret_access_key,
    }
    return _secret(spec, backup_secret_name(spec), "Opaque", data)


def operator_labels(owner: Owner) -> dict[str, str]:
    """Labels of the operator's namespace and of the objects greenlight adds around its chart."""
    return standard_labels(owner, CLOUDNATIVE_PG.chart, "database-operator", CNPG_OPERATOR_VERSION)


def build_operator_namespace(owner: Owner) -> dict[str, Any]:
    """The operator's own namespace, created once per stack (the operator watches every namespace)."""
    labels = operator_labels(owner)
    return {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": CNPG_OPERATOR_NAMESPACE, "labels": labels}}
