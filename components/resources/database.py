"""Database: the app's PostgreSQL cluster (CloudNativePG), its Secrets, metrics and, in prod, backups.

A per-app piece: the operator and the Barman Cloud plugin it needs are a platform piece installed once
(PostgresOperator). Objects come from components/objects/database.py; this component only wires them.

Identity across the move from in-tree backups to the plugin: the Cluster keeps its resource name,
type and parent, so `pulumi up` updates it in place (never a replace: that would need a delete, which
`protect` refuses in prod). The update removes `spec.backup` and adds `spec.plugins` in one patch, as
the plugin's migration guide asks, after the new ObjectStore exists (the Cluster depends on it).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components.objects import database
from components.resources.register import child_opts, register
from components.settings import AppSpec

# initdb (or a restore) plus one pg_basebackup per replica; a large restore can take longer: raise it then.
CLUSTER_READY_TIMEOUT = "30m"


class Database(pulumi.ComponentResource):
    """The app's Cluster, its Secrets, PodMonitor and, in prod, backups (type greenlight:index:Database)."""

    url_secret_name: str
    backup_server_name: str
    ready: list[pulumi.Resource]  # what a migration Job waits for: the Cluster Ready and DATABASE_URL

    def __init__(
        self,
        name: str,
        spec: AppSpec,
        operator: pulumi.Resource | None,
        namespace: pulumi.Resource | None = None,
        monitoring: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
        backup_plugin: pulumi.Resource | None = None,
    ) -> None:
        """`operator`: the operator's chart (CRDs and webhook, PostgresOperator.chart); `monitoring`: what
        installs the PodMonitor CRD; `backup_plugin`: the Barman Cloud plugin's chart (ObjectStore CRD)."""
        password = spec.database_password
        assert password is not None  # components/settings/rules.py requires it when the database is on
        super().__init__("greenlight:index:Database", name, None, opts)
        self.url_secret_name = database.url_secret_name(spec)
        self.backup_server_name = database.backup_server_name(spec)
        # Prod: a mistaken destroy or rename must not delete the data or its credentials.
        keep = spec.is_prod

        def stateful(
            role: str, manifest: dict[str, Any], after: Sequence[pulumi.Resource | None] = (), **extra: Any
        ) -> pulumi.CustomResource:
            opts = child_opts(self, [namespace, *after], protect=keep, retain_on_delete=keep, **extra)
            return register(f"{name}-{role}", manifest, opts)

        secret = password.output()
        credentials = stateful("credentials", database.build_credentials_secret(spec, secret))
        url = secret.apply(lambda p: database.database_url(spec, p))
        url_secret = stateful("url", database.build_url_secret(spec, url))
        cluster_after: list[pulumi.Resource | None] = [operator, credentials]
        if database.needs_object_store(spec):
            key = spec.backup_secret_access_key
            assert key is not None  # components/settings/rules.py
            s3_key = stateful("backup-s3", database.build_backup_secret(spec, key.output()))
            # The Cluster names it in spec.plugins / externalClusters: it must exist first.
            store = stateful("object-store", database.build_object_store(spec), [backup_plugin, s3_key])
            cluster_after += [backup_plugin, s3_key, store]
        timeouts = pulumi.CustomTimeouts(create=CLUSTER_READY_TIMEOUT, update=CLUSTER_READY_TIMEOUT)
        cluster = stateful("cluster", database.build_cluster(spec), cluster_after, custom_timeouts=timeouts)
        if spec.database.backup.enabled:
            backup = database.build_scheduled_backup(spec)
            register(f"{name}-scheduled-backup", backup, child_opts(self, [operator, backup_plugin, cluster]))
        if spec.monitoring.enabled:  # the PodMonitor CRD comes with kube-prometheus-stack
            monitor = database.build_pod_monitor(spec)
            register(f"{name}-pod-monitor", monitor, child_opts(self, [namespace, *monitoring]))
        self.ready = [cluster, url_secret]
        self.register_outputs(
            {
                "clusterName": database.cluster_name(spec),
                "urlSecretName": self.url_secret_name,
                "urlSecretKey": database.DATABASE_URL_KEY,
                "backupServerName": self.backup_server_name,
                "objectStore": database.object_store_name(spec) if database.needs_object_store(spec) else "",
            }
        )
