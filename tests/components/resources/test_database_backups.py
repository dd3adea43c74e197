"""Backups and restores through the Barman Cloud plugin, as the offline preview renders them, judged by
the upstream CRDs (../shared/crds: CloudNativePG 1.30.0, plugin-barman-cloud v0.14.0)."""

from __future__ import annotations

from typing import Any

import pytest

from components.objects import barman_cloud, database
from components.objects.charts import BARMAN_CLOUD_PLUGIN, CLOUDNATIVE_PG
from components.settings import AppSpec, app_spec, parse
from offline import stackconfig
from offline.engine import Resource
from tests.support.crds import violations
from tests.support.preview import ROOT, Preview, preview

PLUGIN = "barman-cloud.cloudnative-pg.io"
RESTORE = (
    "greenlight:database.restore.enabled=true",
    "greenlight:database.restore.sourceCluster=web-db",
    "greenlight:database.restore.targetTime=2026-11-26T09:30:00Z",
)
CNPG_KINDS = ("Cluster", "ScheduledBackup", "ObjectStore")
# The URNs live prod stacks hold (unchanged since the platform/app split): same name, type and parent
# means `pulumi up` updates these objects in place instead of replacing (deleting) them.
IN_DATABASE = "urn:pulumi:prod::greenlight::greenlight:index:Database$kubernetes:"
LIVE_CLUSTER = f"{IN_DATABASE}postgresql.cnpg.io/v1:Cluster::database-cluster"
LIVE_URNS = {
    LIVE_CLUSTER,
    f"{IN_DATABASE}postgresql.cnpg.io/v1:ScheduledBackup::database-scheduled-backup",
    f"{IN_DATABASE}core/v1:Secret::database-backup-s3",
    "urn:pulumi:prod::greenlight::greenlight:index:PostgresOperator$kubernetes:helm.sh/v4:Chart::database-operator",
}


def cluster_spec(p: Preview) -> dict[str, Any]:
    return p.manifest("Cluster", "web-db")["spec"]


def resource(p: Preview, type_suffix: str, name: str) -> Resource:
    [found] = [r for r in p.resources if r.type.endswith(type_suffix) and r.name == name]
    return found


def drill_spec(*overrides: str) -> AppSpec:
    """Staging restoring from prod's bucket without backing up itself (README: restore drill)."""
    bucket = "greenlight:database.backup.destinationPath=s3://acme-greenlight-prod-backups/web"
    config = stackconfig.load(ROOT, "staging", [*RESTORE, bucket, *overrides])
    values = {**config.config, "greenlight:backupSecretAccessKey": "read-only-key"}
    return app_spec(parse(values, "staging", {*config.secret_keys, "greenlight:backupSecretAccessKey"}))


def test_prod_archives_wal_through_the_plugin_into_the_clusters_object_store() -> None:
    p = preview("prod")
    spec = cluster_spec(p)
    parameters = {"barmanObjectName": "web-db-backups", "serverName": "web-db"}
    assert spec["plugins"] == [{"name": PLUGIN, "isWALArchiver": True, "parameters": parameters}]
    store = p.manifest("ObjectStore", "web-db-backups")
    assert store["metadata"]["namespace"] == p.manifest("Cluster", "web-db")["metadata"]["namespace"]
    assert "backup" not in spec  # in-tree barmanObjectStore goes away in CloudNativePG 1.31.0
    # Objects, not schemas: a CRD (when charts are expanded) still describes the in-tree field.
    objects = [f for f in p.manifest_files if not f.name.startswith("customresourcedefinition-")]
    leftovers = [f.name for f in objects if "barmanObjectStore" in f.read_text()]
    assert leftovers == []


def test_the_object_store_holds_bucket_credentials_compression_and_retention() -> None:
    p = preview("prod")
    store = p.manifest("ObjectStore", "web-db-backups")["spec"]
    configuration = store["configuration"]
    assert configuration["destinationPath"] == "s3://acme-greenlight-prod-backups/web"
    assert configuration["wal"] == {"compression": "gzip"} and configuration["data"] == {"compression": "gzip"}
    assert "endpointURL" not in configuration  # empty setting: AWS S3
    assert "serverName" not in configuration  # the plugin docs: always empty; the Cluster names its folder
    assert store["retentionPolicy"] == "30d"
    creds = configuration["s3Credentials"]
    secret = p.manifest("Secret", creds["accessKeyId"]["name"])
    assert creds["secretAccessKey"]["name"] == secret["metadata"]["name"]
    assert {creds["accessKeyId"]["key"], creds["secretAccessKey"]["key"]} <= set(secret["stringData"])
    assert store["instanceSidecarConfiguration"]["resources"]["limits"]["memory"]


def test_endpoint_url_setting_reaches_the_object_store() -> None:
    p = preview("prod", "greenlight:database.backup.endpointUrl=https://minio.example.com")
    assert p.manifest("ObjectStore", "web-db-backups")["spec"]["configuration"]["endpointURL"] == (
        "https://minio.example.com"
    )


def test_prod_schedules_base_backups_taken_by_the_plugin() -> None:
    scheduled = preview("prod").manifest("ScheduledBackup", "web-db-scheduled")["spec"]
    assert scheduled == {
        "schedule": "0 0 2 * * *",
        "cluster": {"name": "web-db"},
        "method": "plugin",
        "pluginConfiguration": {"name": PLUGIN},
        "immediate": True,
        "backupOwnerReference": "self",
    }


def test_the_plugin_chart_is_pinned_and_installed_next_to_the_operator_after_it() -> None:
    p = preview("prod")
    releases = {h["chart"]: h for h in p.helm().values()}
    plugin, operator = releases["plugin-barman-cloud"], releases["cloudnative-pg"]
    assert (plugin["version"], plugin["repository"]) == (BARMAN_CLOUD_PLUGIN.version, BARMAN_CLOUD_PLUGIN.repository)
    assert plugin["repository"] == operator["repository"] == "https://cloudnative-pg.github.io/charts"
    assert operator["version"] == CLOUDNATIVE_PG.version
    # The plugin must run in the operator's namespace (plugin docs, installation).
    assert plugin["namespace"] == operator["namespace"] == "cnpg-system"
    assert plugin["values"]["crds"]["create"] is True
    plugin_chart = resource(p, "Chart", "database-operator-barman-cloud")
    assert resource(p, "Chart", "database-operator").urn in plugin_chart.dependencies


def test_the_plugin_is_reachable_by_the_operator_through_the_namespaces_deny_all_and_may_be_evicted() -> None:
    """cnpg-system denies every flow it does not name: without these the operator could not call the plugin."""
    p = preview("prod")
    allow = p.manifest("NetworkPolicy", "allow-barman-cloud")["spec"]
    assert allow["podSelector"] == {"matchLabels": {"app.kubernetes.io/name": "plugin-barman-cloud"}}
    operator_egress = p.manifest("NetworkPolicy", "allow-operator")["spec"]["egress"]
    assert {"to": [{"podSelector": allow["podSelector"]}], "ports": [{"protocol": "TCP", "port": 9090}]} in (
        operator_egress
    )
    budget = p.manifest("PodDisruptionBudget", "plugin-barman-cloud")
    assert budget["metadata"]["namespace"] == "cnpg-system"
    assert budget["spec"]["selector"] == allow["podSelector"]
    pod_labels = p.helm()["plugin-barman-cloud"]["values"]["podLabels"]
    assert pod_labels == {"team": "payments", "cost-center": "cc-1042"}  # cost allocation (Pulumi.prod.yaml)


def test_every_backup_object_waits_for_what_it_names() -> None:
    p = preview("prod")
    plugin = resource(p, "Chart", "database-operator-barman-cloud").urn
    store, key = resource(p, "ObjectStore", "database-object-store"), resource(p, "Secret", "database-backup-s3")
    cluster = resource(p, "Cluster", "database-cluster")
    scheduled = resource(p, "ScheduledBackup", "database-scheduled-backup")
    assert {plugin, key.urn} <= set(store.dependencies)  # its CRD, and the Secret it names
    assert {plugin, store.urn} <= set(cluster.dependencies)  # spec.plugins names the store
    assert {plugin, cluster.urn} <= set(scheduled.dependencies)


def test_dev_installs_no_plugin_and_no_object_store() -> None:
    p = preview("dev")
    assert "plugin-barman-cloud" not in {h["chart"] for h in p.helm().values()}
    assert p.manifests("ObjectStore") == [] and "plugins" not in cluster_spec(p)
    assert "allow-barman-cloud" not in {n["metadata"]["name"] for n in p.manifests("NetworkPolicy")}


def test_existing_prod_objects_keep_their_identity_and_protection() -> None:
    p = preview("prod")
    urns = {r.urn: r for r in p.resources}
    assert LIVE_URNS <= set(urns)
    cluster = urns[LIVE_CLUSTER]
    assert cluster.protect and cluster.retain_on_delete
    assert cluster.inputs["metadata"]["name"] == "web-db"  # the name CloudNativePG knows it by


# --- restore ----------------------------------------------------------------------------------------


def test_restore_bootstraps_from_the_source_folder_to_a_point_in_time() -> None:
    p = preview("prod", *RESTORE)
    spec = cluster_spec(p)
    assert "initdb" not in spec["bootstrap"]
    recovery = spec["bootstrap"]["recovery"]
    assert recovery["source"] == "web-db"
    assert recovery["recoveryTarget"] == {"targetTime": "2026-11-26T09:30:00Z"}
    assert recovery["secret"] == {"name": "web-db-credentials"}
    [source] = spec["externalClusters"]
    assert source == {
        "name": "web-db",
        "plugin": {"name": PLUGIN, "parameters": {"barmanObjectName": "web-db-backups", "serverName": "web-db"}},
    }
    # barman refuses to archive into a folder that holds another cluster's WAL: the restored cluster
    # writes elsewhere, and the stack says where (the next restore's sourceCluster).
    [archiver] = spec["plugins"]
    written = archiver["parameters"]["serverName"]
    assert written != "web-db" and written.startswith("web-db-restore-")
    stack = next(r for r in p.resources if r.type == "pulumi:pulumi:Stack")
    assert stack.outputs["databaseBackupServerName"] == written


def test_restore_without_target_time_recovers_to_the_latest_wal() -> None:
    spec = cluster_spec(preview("prod", *RESTORE[:2]))
    assert "recoveryTarget" not in spec["bootstrap"]["recovery"]


def test_a_restore_drill_reads_the_bucket_and_never_prunes_or_archives_into_it() -> None:
    spec = drill_spec()
    store = database.build_object_store(spec)
    assert "retentionPolicy" not in store["spec"]  # retention would delete the source's backups
    cluster = database.build_cluster(spec)["spec"]
    assert "plugins" not in cluster  # no WAL archiving into prod's bucket
    assert cluster["externalClusters"] == [barman_cloud.recovery_source("web-db-backups", "web-db")]


# --- the judges: upstream CRDs, unknown fields are errors ------------------------------------------------


RENDERS = [
    ("prod",),
    ("dev",),
    ("prod", *RESTORE),
    ("prod", *RESTORE[:2]),
    ("prod", "greenlight:database.zoneSpread=preferred"),
]


@pytest.mark.parametrize("args", RENDERS)
def test_every_cnpg_and_plugin_object_fits_the_upstream_crds(args: tuple[str, ...]) -> None:
    p = preview(*args)
    objects = [m for m in p.manifests() if m["kind"] in CNPG_KINDS]
    assert {m["kind"] for m in objects} >= {"Cluster"}
    for obj in objects:
        assert violations(obj) == [], f"{obj['kind']} {obj['metadata']['name']}"


def test_the_drill_objects_fit_the_upstream_crds() -> None:
    spec = drill_spec("greenlight:database.backup.endpointUrl=https://minio.example.com")
    for obj in (database.build_cluster(spec), database.build_object_store(spec)):
        assert violations(obj) == [], obj["kind"]
