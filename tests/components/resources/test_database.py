"""Database (CloudNativePG) as the offline preview renders it: cluster, backups, protection, secrets, scraping."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.prometheus_operator.v1 import PodMonitor

from components.objects import database
from components.objects.charts import CLOUDNATIVE_PG
from components.settings import AppSpec, ConfigError, app_spec, parse
from offline import stackconfig
from offline.engine import Resource
from tests.support.preview import ROOT, Preview, preview

CLUSTER = "kubernetes:postgresql.cnpg.io/v1:Cluster"
SCHEDULED_BACKUP = "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup"
CHART = "kubernetes:helm.sh/v4:Chart"
SECRET = "kubernetes:core/v1:Secret"  # noqa: S105 (a type token)
RESTORE = (
    "greenlight:database.restore.enabled=true",
    "greenlight:database.restore.sourceCluster=web-db",
    "greenlight:database.restore.targetTime=2026-11-26T09:30:00Z",
)


def settings_for(stack: str, *overrides: str) -> AppSpec:
    config = stackconfig.load(ROOT, stack, list(overrides))
    return app_spec(parse(config.config, stack, config.secret_keys))


def ours(p: Preview, type_token: str) -> list[Resource]:
    """Resources of `type_token` that the Database or the PostgresOperator component registered."""
    parents = {c.urn for t in ("Database", "PostgresOperator") for c in p.of_type(f"greenlight:index:{t}")}
    return [r for r in p.of_type(type_token) if r.parent in parents]


def secret_names(p: Preview) -> list[str]:
    return sorted(r.inputs["metadata"]["name"] for r in ours(p, SECRET))


def cluster_of(p: Preview) -> dict[str, Any]:
    return p.manifest("Cluster", "web-db")


def test_prod_cluster_runs_three_instances_with_prod_storage_and_resources() -> None:
    spec = cluster_of(preview("prod"))["spec"]
    assert spec["instances"] == 3
    assert spec["storage"] == {"size": "50Gi", "storageClass": "gp3"}
    assert spec["resources"] == {
        "requests": {"cpu": "500m", "memory": "1Gi"},
        "limits": {"cpu": "2", "memory": "2Gi"},
    }
    assert spec["affinity"]["enablePodAntiAffinity"] is True


def test_dev_cluster_is_one_instance_without_backups() -> None:
    p = preview("dev")
    spec = cluster_of(p)["spec"]
    assert spec["instances"] == 1
    assert spec["storage"] == {"size": "5Gi"}  # no storageClass: the cluster default
    assert "backup" not in spec
    assert p.manifests("ScheduledBackup") == []
    assert secret_names(p) == ["web-db-credentials", "web-db-url"]


def test_initdb_creates_app_database_owned_by_app_with_the_basic_auth_secret() -> None:
    p = preview("prod")
    initdb = cluster_of(p)["spec"]["bootstrap"]["initdb"]
    assert initdb == {"database": "app", "owner": "app", "secret": {"name": "web-db-credentials"}}
    secret = p.manifest("Secret", "web-db-credentials")
    assert secret["type"] == "kubernetes.io/basic-auth"
    assert set(secret["stringData"]) == {"username", "password"}
    assert secret["stringData"]["password"] == "[secret]"  # noqa: S105 (the redaction marker)


def test_prod_backs_up_base_and_wal_to_object_storage_with_retention() -> None:
    p = preview("prod")
    backup = cluster_of(p)["spec"]["backup"]
    store = backup["barmanObjectStore"]
    assert store["destinationPath"] == "s3://acme-greenlight-prod-backups/web"
    assert store["wal"]["compression"] == "gzip"
    assert backup["retentionPolicy"] == "30d"
    assert "endpointURL" not in store  # empty setting: AWS S3
    creds = store["s3Credentials"]
    secret = p.manifest("Secret", creds["accessKeyId"]["name"])
    assert creds["secretAccessKey"]["name"] == secret["metadata"]["name"]
    assert {creds["accessKeyId"]["key"], creds["secretAccessKey"]["key"]} <= set(secret["stringData"])


def test_endpoint_url_setting_reaches_the_object_store() -> None:
    p = preview("prod", "greenlight:database.backup.endpointUrl=https://minio.example.com")
    assert cluster_of(p)["spec"]["backup"]["barmanObjectStore"]["endpointURL"] == "https://minio.example.com"


def test_prod_schedules_base_backups_owned_by_the_backup() -> None:
    scheduled = preview("prod").manifest("ScheduledBackup", "web-db-scheduled")["spec"]
    assert scheduled == {
        "schedule": "0 0 2 * * *",
        "cluster": {"name": "web-db"},
        "method": "barmanObjectStore",
        "immediate": True,
        "backupOwnerReference": "self",
    }


def test_prod_protects_and_retains_the_database_its_secrets_and_the_operator() -> None:
    p = preview("prod")
    assert secret_names(p) == ["web-db-backup-s3", "web-db-credentials", "web-db-url"]
    stateful = [*ours(p, CLUSTER), *ours(p, SECRET), *ours(p, CHART)]
    assert len(stateful) == 5  # cluster, 3 secrets, chart
    for resource in stateful:
        assert resource.protect and resource.retain_on_delete, resource.name


def test_dev_leaves_resources_unprotected_so_the_stack_can_be_torn_down() -> None:
    p = preview("dev")
    for resource in [*ours(p, CLUSTER), *ours(p, SECRET), *ours(p, CHART)]:
        assert not resource.protect and not resource.retain_on_delete, resource.name


@pytest.mark.parametrize("args", [("prod",), ("dev",), ("prod", *RESTORE)])
def test_no_secret_value_appears_in_plaintext_anywhere_in_the_render(args: tuple[str, ...]) -> None:
    p = preview(*args)
    leaked = [path for path in p.out.rglob("*") if path.is_file() and "offline-secret-" in path.read_text()]
    assert leaked == []
    assert p.manifest("Secret", "web-db-url")["stringData"] == {"DATABASE_URL": "[secret]"}


def test_the_chart_is_pinned_and_every_cnpg_object_waits_for_it() -> None:
    p = preview("prod")
    [release] = [h for h in p.helm().values() if h["chart"] == "cloudnative-pg"]
    assert release["version"] == CLOUDNATIVE_PG.version
    assert re.fullmatch(r"\d+\.\d+\.\d+", release["version"])
    assert release["repository"] == "https://cloudnative-pg.github.io/charts"
    assert release["values"]["crds"]["create"] is True
    [chart] = ours(p, CHART)
    [cluster] = ours(p, CLUSTER)
    [scheduled] = ours(p, SCHEDULED_BACKUP)
    assert chart.urn in cluster.dependencies
    assert {chart.urn, cluster.urn} <= set(scheduled.dependencies)
    secrets = {r.name: r.urn for r in ours(p, SECRET)}
    assert {secrets["database-credentials"], secrets["database-backup-s3"]} <= set(cluster.dependencies)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_pulumi_waits_for_the_cluster_to_be_ready_before_the_migration_runs(stack: str) -> None:
    """Pulumi has no await for custom resources: without waitFor the migration Job starts while
    PostgreSQL is still bootstrapping, fails to connect, and `pulumi up` fails on a fresh cluster."""
    p = preview(stack)
    annotations = cluster_of(p)["metadata"].get("annotations", {})
    assert annotations.get("pulumi.com/waitFor") == "condition=Ready"
    [cluster] = ours(p, CLUSTER)
    migrations = [r for r in p.of_type("kubernetes:batch/v1:Job") if r.name.endswith("-migrate")]
    assert migrations and all(cluster.urn in job.dependencies for job in migrations)


def test_database_url_secret_is_exported_for_the_app() -> None:
    stack = next(r for r in preview("prod").resources if r.type == "pulumi:pulumi:Stack")
    assert stack.outputs["databaseUrlSecret"] == "web-db-url"


def test_database_url_points_at_the_primary_and_escapes_the_password() -> None:
    settings = settings_for("prod")
    url = database.database_url(settings, "p@ss/w:rd%")
    assert url == "postgresql://app:p%40ss%2Fw%3Ard%25@web-db-rw.greenlight-prod.svc:5432/app"


# --- scraping: DatabaseDown reads cnpg_collector_up of the target labelled job="database", role="primary" ---


def relabel(labels: dict[str, str], configs: list[dict[str, Any]]) -> dict[str, str]:
    """Prometheus `replace` relabeling (the only action the PodMonitor uses)."""
    out = dict(labels)
    for config in configs:
        assert config.get("action", "replace") == "replace"
        source = config.get("separator", ";").join(out.get(name, "") for name in config.get("sourceLabels", []))
        match = re.fullmatch(config.get("regex", "(.*)"), source)
        if match:
            out[config["targetLabel"]] = match.expand(config.get("replacement", "$1").replace("$", "\\"))
    return out


def test_pod_monitor_scrapes_instance_pods_with_job_database() -> None:
    monitor = preview("prod").manifest("PodMonitor", "web-db-metrics")
    PodMonitor.model_validate(monitor)  # the prometheus-operator schema
    assert monitor["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    spec = monitor["spec"]
    # The labels CloudNativePG puts on instance pods (not on its initdb/join Job pods).
    assert spec["selector"]["matchLabels"] == {"cnpg.io/cluster": "web-db", "cnpg.io/podRole": "instance"}
    [endpoint] = spec["podMetricsEndpoints"]
    assert endpoint["port"] == "metrics"
    # The operator's default job label would be "<namespace>/<podmonitor>"; the target must say "database".
    target = {
        "job": "greenlight-prod/web-db-metrics",
        "__meta_kubernetes_pod_name": "web-db-1",
        # Kubernetes discovery's form of the label CloudNativePG sets on the primary's pod.
        "__meta_kubernetes_pod_label_cnpg_io_instanceRole": "primary",
    }
    relabelled = relabel(target, endpoint["relabelings"])
    assert relabelled["job"] == database.DATABASE_JOB == "database"
    assert relabelled["pod"] == "web-db-1"
    # DatabaseDown asks for the primary's cnpg_collector_up: the target says which pod is the primary.
    assert relabelled["role"] == "primary"


def test_cluster_does_not_also_create_the_operator_pod_monitor() -> None:
    assert cluster_of(preview("prod"))["spec"]["monitoring"] == {"enablePodMonitor": False}


# --- restore ------------------------------------------------------------------------------------------


def test_restore_bootstraps_from_the_source_clusters_backups_to_a_point_in_time() -> None:
    spec = cluster_of(preview("prod", *RESTORE))["spec"]
    assert "initdb" not in spec["bootstrap"]
    recovery = spec["bootstrap"]["recovery"]
    assert recovery["source"] == "web-db"
    assert recovery["recoveryTarget"] == {"targetTime": "2026-11-26T09:30:00Z"}
    assert recovery["secret"] == {"name": "web-db-credentials"}
    [source] = spec["externalClusters"]
    assert source["name"] == "web-db"
    assert source["barmanObjectStore"]["destinationPath"] == "s3://acme-greenlight-prod-backups/web"
    assert source["barmanObjectStore"]["serverName"] == "web-db"
    # barman refuses to archive into a non-empty folder: the restored cluster writes elsewhere.
    assert spec["backup"]["barmanObjectStore"]["serverName"] != "web-db"


def test_restore_without_target_time_recovers_to_the_latest_wal() -> None:
    spec = cluster_of(preview("prod", *RESTORE[:2]))["spec"]
    assert "recoveryTarget" not in spec["bootstrap"]["recovery"]


@pytest.mark.parametrize(
    ("stack", "overrides", "key"),
    [
        ("prod", ("greenlight:database.restore.targetTime=yesterday",), "database.restore.targetTime"),
        ("prod", ("greenlight:database.restore.targetTime=2026-11-26T09:30:00",), "database.restore.targetTime"),
        ("staging", (), "database.backup.destinationPath"),  # staging sets no backup bucket
        ("staging", (), "backupSecretAccessKey"),
    ],
)
def test_restore_settings_are_checked_before_anything_is_registered(
    stack: str, overrides: tuple[str, ...], key: str
) -> None:
    """A bad restore setting is a settings error: `load()` fails, so no resource is ever registered."""
    with pytest.raises(ConfigError, match=re.escape(key)):
        settings_for(stack, *RESTORE[:2], *overrides)


def test_valid_restore_settings_have_no_problems() -> None:
    assert settings_for("prod", *RESTORE).database.restore.enabled


def test_database_needs_its_password_as_a_secret() -> None:
    dev = stackconfig.load(ROOT, "dev", [])
    without = {k: v for k, v in dev.config.items() if k != "greenlight:databasePassword"}
    with pytest.raises(ConfigError, match="greenlight:databasePassword is missing"):
        parse(without, "dev", dev.secret_keys)


# --- judges ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize("stack", ["prod", "dev"])
def test_built_in_objects_pass_kubernetes_validate_strict(stack: str) -> None:
    p = preview(stack)
    names = {f"secret-{name}.yaml" for name in secret_names(p)} | {"namespace-cnpg-system.yaml"}
    files = [f for f in p.manifest_files if f.name in names]
    assert len(files) == len(names)
    assert files
    for path in files:
        kubernetes_validate.validate(yaml.safe_load(Path(path).read_text()), "1.37.0", strict=True)


def test_database_promtool_tests_use_the_labels_the_rendered_pod_monitor_produces() -> None:
    """The database rules' promtool tests must exercise the label set real scrapes carry."""
    import yaml

    from tests.components.rules.test_promtool import PROMTOOL_DIR

    [endpoint] = preview("prod").manifest("PodMonitor", "web-db-metrics")["spec"]["podMetricsEndpoints"]
    pod = {"job": "greenlight-prod/web-db-metrics", "__meta_kubernetes_pod_name": "web-db-1"}
    scraped = {
        role: relabel({**pod, "__meta_kubernetes_pod_label_cnpg_io_instanceRole": role}, endpoint["relabelings"])
        for role in ("primary", "replica")
    }
    unit_tests = yaml.safe_load((PROMTOOL_DIR / "database.test.yaml").read_text())["tests"]
    series = [s["series"] for t in unit_tests for s in t["input_series"] if s["series"].startswith("cnpg_")]
    assert series, "the database unit tests feed no cnpg_collector_up series"
    for line in series:
        target = next(t for t in scraped.values() if f'role="{t["role"]}"' in line)
        assert f'job="{target["job"]}"' in line, line
