"""Database: PostgreSQL for the app, run by the CloudNativePG operator, with backups in prod.

Objects come from pure builders (``build_cluster``, ``build_scheduled_backup``, ``build_pod_monitor``,
...) that tests call without an engine; ``Database`` only wires them into resources.

Why in-tree ``barmanObjectStore`` and not the Barman Cloud plugin: the pinned operator (1.30.0)
still supports it (its removal moved to 1.31.0, see the 1.30.0 release notes), and the plugin
needs cert-manager plus a second operator install that greenlight does not manage. Moving to the
plugin is a change of this module only: settings and the restore runbook keep their meaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any
from urllib.parse import quote

import pulumi
import pulumi_kubernetes as k8s

from components.conventions import DATABASE_JOB
from components.labels import standard_labels
from components.registration import register
from components.settings import Settings

# CloudNativePG operator chart. 0.29.0 is the release that ships operator 1.30.0 (the chart index's
# appVersion, 2026-06-29), the newest minor, which the charts repo says is the only one it supports.
CNPG_CHART = "cloudnative-pg"
CNPG_CHART_VERSION = "0.29.0"
CNPG_OPERATOR_VERSION = "1.30.0"  # the chart's appVersion: labels our CNPG objects' version
CNPG_CHART_REPOSITORY = "https://cloudnative-pg.github.io/charts"
CNPG_OPERATOR_NAMESPACE = "cnpg-system"  # the namespace the CNPG docs install into
CNPG_API_VERSION = "postgresql.cnpg.io/v1"
# The chart sets no resources for the operator; these fit one environment's clusters.
OPERATOR_RESOURCES = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}

# The app's database and role (bootstrap.initdb). The app reads DATABASE_URL.
DATABASE_NAME = "app"
DATABASE_OWNER = "app"
POSTGRES_PORT = 5432
DATABASE_URL_KEY = "DATABASE_URL"

# Scraping: CNPG instance pods expose metrics on the container port named "metrics" (9187).
# The checklist's DatabaseDown alert is `up{job="database"} == 0`: the PodMonitor relabels `job`.
METRICS_PORT_NAME = "metrics"
METRICS_PORT = 9187
# kube-prometheus-stack's default podMonitorSelector matches its release label.
PROMETHEUS_SELECTOR_LABELS = {"release": "kube-prometheus-stack"}
CNPG_CLUSTER_LABEL = "cnpg.io/cluster"
CNPG_POD_ROLE_LABEL = "cnpg.io/podRole"

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


def cluster_name(settings: Settings) -> str:
    """`<app>-db`: AppDeployment's NetworkPolicy allows egress to pods labelled cnpg.io/cluster=<this>."""
    return f"{settings.app.name}-db"


def credentials_secret_name(settings: Settings) -> str:
    return f"{cluster_name(settings)}-credentials"


def url_secret_name(settings: Settings) -> str:
    return f"{cluster_name(settings)}-url"


def backup_secret_name(settings: Settings) -> str:
    return f"{cluster_name(settings)}-backup-s3"


def rw_host(settings: Settings) -> str:
    """The operator's read-write Service always points at the current primary."""
    return f"{cluster_name(settings)}-rw.{settings.app_namespace}.svc"


def database_url(settings: Settings, password: str) -> str:
    return (
        f"postgresql://{DATABASE_OWNER}:{quote(password, safe='')}@{rw_host(settings)}:{POSTGRES_PORT}/{DATABASE_NAME}"
    )


def needs_object_store(settings: Settings) -> bool:
    return settings.database.backup.enabled or settings.database.restore.enabled


def backup_server_name(settings: Settings) -> str:
    """Folder under destinationPath the cluster archives to.

    A cluster restored from backups must not archive into the folder it restores from (barman
    refuses a non-empty archive), so a restored cluster writes to `<cluster>-restore-<hash>`.
    Name that folder as `restore.sourceCluster` to restore from the restored cluster later.
    """
    name = cluster_name(settings)
    restore = settings.database.restore
    if not restore.enabled:
        return name
    digest = hashlib.sha256(f"{restore.source_cluster}|{restore.target_time}".encode()).hexdigest()[:6]
    return f"{name}-restore-{digest}"


def _metadata(settings: Settings, name: str, component: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": settings.app_namespace,
        "labels": standard_labels(settings, cluster_name(settings), component, CNPG_OPERATOR_VERSION),
    }


def barman_object_store(settings: Settings, server_name: str) -> dict[str, Any]:
    """Where base backups and WAL live, and the Secret keys that open it."""
    backup = settings.database.backup
    secret = backup_secret_name(settings)
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


def _bootstrap(settings: Settings) -> dict[str, Any]:
    app_user = {
        "database": DATABASE_NAME,
        "owner": DATABASE_OWNER,
        "secret": {"name": credentials_secret_name(settings)},
    }
    restore = settings.database.restore
    if not restore.enabled:
        return {"initdb": app_user}
    recovery: dict[str, Any] = {"source": restore.source_cluster, **app_user}
    if restore.target_time:
        recovery["recoveryTarget"] = {"targetTime": restore.target_time}
    return {"recovery": recovery}


def build_cluster(settings: Settings) -> dict[str, Any]:
    """The CNPG Cluster: instances, storage, resources, bootstrap, backups, and no operator PodMonitor."""
    db = settings.database
    name = cluster_name(settings)
    storage: dict[str, Any] = {"size": db.storage_size}
    if db.storage_class:
        storage["storageClass"] = db.storage_class
    res = db.resources
    spec: dict[str, Any] = {
        "instances": db.instances,
        # The default operand image is a "system" image, which bundles barman-cloud for backups.
        "storage": storage,
        "resources": {
            "requests": {"cpu": res.cpu_request, "memory": res.memory_request},
            "limits": {"cpu": res.cpu_limit, "memory": res.memory_limit},
        },
        # Spread instances over nodes so one node loss keeps a replica to promote.
        "affinity": {"enablePodAntiAffinity": True, "topologyKey": "kubernetes.io/hostname"},
        "inheritedMetadata": {"labels": standard_labels(settings, name, "database", CNPG_OPERATOR_VERSION)},
        "bootstrap": _bootstrap(settings),
        # Our own PodMonitor (build_pod_monitor) sets job="database"; the operator's would not.
        "monitoring": {"enablePodMonitor": False},
    }
    if db.backup.enabled:
        spec["backup"] = {
            "barmanObjectStore": barman_object_store(settings, backup_server_name(settings)),
            "retentionPolicy": db.backup.retention,
        }
    if db.restore.enabled:
        source = db.restore.source_cluster
        spec["externalClusters"] = [{"name": source, "barmanObjectStore": barman_object_store(settings, source)}]
    metadata = {**_metadata(settings, name, "database"), "annotations": {WAIT_FOR_ANNOTATION: WAIT_FOR_READY}}
    return {"apiVersion": CNPG_API_VERSION, "kind": "Cluster", "metadata": metadata, "spec": spec}


def build_scheduled_backup(settings: Settings) -> dict[str, Any]:
    """Base backups on settings.database.backup.schedule (six fields, seconds first)."""
    name = cluster_name(settings)
    return {
        "apiVersion": CNPG_API_VERSION,
        "kind": "ScheduledBackup",
        "metadata": _metadata(settings, f"{name}-scheduled", "backup"),
        "spec": {
            "schedule": settings.database.backup.schedule,
            "cluster": {"name": name},
            "method": "barmanObjectStore",
            "immediate": True,  # a first base backup at once: WAL alone cannot restore
            "backupOwnerReference": "self",
        },
    }


def build_pod_monitor(settings: Settings) -> dict[str, Any]:
    """Scrapes every instance pod; the relabeling makes the target's job label `database`."""
    name = cluster_name(settings)
    metadata = _metadata(settings, f"{name}-metrics", "database")
    metadata["labels"] = {**metadata["labels"], **PROMETHEUS_SELECTOR_LABELS}
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PodMonitor",
        "metadata": metadata,
        "spec": {
            "selector": {"matchLabels": {CNPG_CLUSTER_LABEL: name, CNPG_POD_ROLE_LABEL: "instance"}},
            "namespaceSelector": {"matchNames": [settings.app_namespace]},
            "podMetricsEndpoints": [
                {
                    "port": METRICS_PORT_NAME,
                    "relabelings": [
                        {"action": "replace", "targetLabel": "job", "replacement": DATABASE_JOB},
                        {"action": "replace", "sourceLabels": ["__meta_kubernetes_pod_name"], "targetLabel": "pod"},
                    ],
                }
            ],
        },
    }


def chart_values() -> dict[str, Any]:
    return {
        "crds": {"create": True},
        "resources": OPERATOR_RESOURCES,
        "monitoring": {"podMonitorEnabled": False, "grafanaDashboard": {"create": False}},
    }


def _secret(settings: Settings, name: str, secret_type: str, string_data: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": _metadata(settings, name, "database"), "type": secret_type, "string_data": string_data}


class Database(pulumi.ComponentResource):
    """CNPG operator (chart), the app's Cluster, its Secrets, PodMonitor and, in prod, backups."""

    cluster: pulumi.CustomResource
    url_secret: k8s.core.v1.Secret

    def __init__(
        self,
        name: str,
        settings: Settings,
        namespace: pulumi.Resource | None = None,
        monitoring: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`namespace`: the app Namespace resource; `monitoring`: what installs the PodMonitor CRD."""
        password_setting = settings.database_password
        assert password_setting is not None  # components/invariants.py requires it when the database is on
        super().__init__("greenlight:index:Database", name, None, opts)
        self.cluster_name = cluster_name(settings)
        self.url_secret_name = url_secret_name(settings)
        self.url_secret_key = DATABASE_URL_KEY
        self.backup_server_name = backup_server_name(settings)
        in_namespace: Sequence[pulumi.Resource] = [namespace] if namespace is not None else []
        # Prod: a mistaken destroy or rename must not delete the data, its credentials or the CRDs
        # (deleting the chart deletes the Cluster CRD and, with it, every Cluster).
        keep = settings.is_prod
        stateful = pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=in_namespace)

        operator_ns = k8s.core.v1.Namespace(
            f"{name}-operator-namespace",
            metadata={
                "name": CNPG_OPERATOR_NAMESPACE,
                "labels": standard_labels(settings, CNPG_CHART, "database-operator", CNPG_OPERATOR_VERSION),
            },
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep),
        )
        # helm.v4.Chart renders the chart (CRDs included, crds.create) and applies each object as a
        # Pulumi resource; it runs no Helm hooks (this chart's install needs none). Pulumi awaits the
        # operator Deployment, whose admission webhook must answer before any Cluster can be created,
        # so every CNPG object below depends_on the chart: CRDs and webhook first, then our CRs.
        self.chart = k8s.helm.v4.Chart(
            f"{name}-operator",
            k8s.helm.v4.ChartArgs(
                chart=CNPG_CHART,
                name=CNPG_CHART,  # the Helm release name
                version=CNPG_CHART_VERSION,
                repository_opts=k8s.helm.v4.RepositoryOptsArgs(repo=CNPG_CHART_REPOSITORY),
                namespace=CNPG_OPERATOR_NAMESPACE,
                values=chart_values(),
            ),
            opts=pulumi.ResourceOptions(parent=self, protect=keep, retain_on_delete=keep, depends_on=[operator_ns]),
        )

        assert password_setting is not None  # checked above
        password = password_setting.output()
        credentials = _secret(
            settings,
            credentials_secret_name(settings),
            "kubernetes.io/basic-auth",
            {"username": DATABASE_OWNER, "password": password},
        )
        self.credentials_secret = k8s.core.v1.Secret(f"{name}-credentials", **credentials, opts=stateful)
        url = _secret(
            settings,
            self.url_secret_name,
            "Opaque",
            {DATABASE_URL_KEY: password.apply(lambda p: database_url(settings, p))},
        )
        self.url_secret = k8s.core.v1.Secret(f"{name}-url", **url, opts=stateful)

        cr_deps: list[pulumi.Resource] = [*in_namespace, self.chart, self.credentials_secret]
        if needs_object_store(settings):
            assert settings.backup_secret_access_key is not None  # components/invariants.py
            s3 = _secret(
                settings,
                backup_secret_name(settings),
                "Opaque",
                {
                    S3_ACCESS_KEY_ID: settings.database.backup.access_key_id,
                    S3_SECRET_ACCESS_KEY: settings.backup_secret_access_key.output(),
                },
            )
            self.backup_secret = k8s.core.v1.Secret(f"{name}-backup-s3", **s3, opts=stateful)
            cr_deps.append(self.backup_secret)

        self.cluster = register(
            f"{name}-cluster",
            build_cluster(settings),
            pulumi.ResourceOptions.merge(
                stateful,
                pulumi.ResourceOptions(
                    depends_on=cr_deps,
                    custom_timeouts=pulumi.CustomTimeouts(create=CLUSTER_READY_TIMEOUT, update=CLUSTER_READY_TIMEOUT),
                ),
            ),
        )
        after_cluster = pulumi.ResourceOptions(parent=self, depends_on=[self.chart, self.cluster])
        if settings.database.backup.enabled:
            self.scheduled_backup = register(
                f"{name}-scheduled-backup", build_scheduled_backup(settings), after_cluster
            )
        if settings.monitoring.enabled:  # the PodMonitor CRD comes with kube-prometheus-stack
            self.pod_monitor = register(
                f"{name}-pod-monitor",
                build_pod_monitor(settings),
                pulumi.ResourceOptions(parent=self, depends_on=[*in_namespace, *monitoring]),
            )
        self.migration_dependencies: list[pulumi.Resource] = [self.cluster, self.url_secret]
        self.register_outputs(
            {
                "clusterName": self.cluster_name,
                "urlSecretName": self.url_secret_name,
                "urlSecretKey": self.url_secret_key,
                "backupServerName": self.backup_server_name,
            }
        )
