"""The migration Job: its shape, its name per version, and its place after the database Cluster."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from components.objects.meta import selector_labels
from components.objects.migration import (
    MIGRATION_LABEL,
    build_migration_job,
    build_migration_network_policy,
    job_name,
)
from components.settings import AppSpec, app_spec, parse
from offline import stackconfig
from offline.engine import Resource, run_program
from offline.render import render
from tests.support.preview import ROOT

IMAGE = "ghcr.io/acme/greenlight-web:1.4.2@sha256:" + "a" * 64
PROGRAM = """
import pulumi
import pulumi_kubernetes as k8s
from components.objects.plan import Track
from components.resources import Database
from components.resources.migration import migration_job
from components.settings import app_spec, load

spec = app_spec(load())
namespace = k8s.core.v1.Namespace("namespace", metadata={"name": spec.namespace})
database = Database("database", spec, operator=None, namespace=namespace)
parent = pulumi.ComponentResource("test:index:Parent", "parent")
migration_job("web-migrate", spec, Track("web", None, "IMAGE", "1.4.2", None), database.ready, parent)
"""


@pytest.fixture(scope="module")
def settings() -> AppSpec:
    config = stackconfig.load(ROOT, "prod", [])
    return app_spec(parse(config.config, "prod", config.secret_keys))


@pytest.fixture(scope="module")
def job(settings: AppSpec) -> dict[str, Any]:
    return build_migration_job(settings, IMAGE, "1.4.2")


def test_job_runs_the_app_image_with_migrate_and_the_database_url_secret(job: dict[str, Any]) -> None:
    [container] = job["spec"]["template"]["spec"]["containers"]
    assert container["image"] == IMAGE
    assert container["args"] == ["migrate"]
    url = next(e for e in container["env"] if e["name"] == "DATABASE_URL")
    assert url["valueFrom"] == {"secretKeyRef": {"name": "web-db-url", "key": "DATABASE_URL"}}
    assert container["resources"]["limits"] == {"cpu": "1", "memory": "512Mi"}


def test_job_is_hardened_like_the_app(job: dict[str, Any]) -> None:
    pod = job["spec"]["template"]["spec"]
    [container] = pod["containers"]
    context = container["securityContext"]
    assert context["runAsNonRoot"] is True and context["runAsUser"] == 10001
    assert context["readOnlyRootFilesystem"] is True
    assert context["allowPrivilegeEscalation"] is False
    assert context["capabilities"] == {"drop": ["ALL"]}
    assert context["seccompProfile"] == {"type": "RuntimeDefault"}
    # a read-only root still needs a writable /tmp
    [mount] = container["volumeMounts"]
    assert mount["mountPath"] == "/tmp"
    assert {"name": mount["name"], "emptyDir": {}} in pod["volumes"]
    assert pod["restartPolicy"] == "Never"


def test_job_fails_fast_and_is_not_garbage_collected_behind_pulumis_back(job: dict[str, Any]) -> None:
    spec = job["spec"]
    assert 0 <= spec["backoffLimit"] <= 2
    assert spec["activeDeadlineSeconds"] > 0
    # Pulumi deletes the old Job when a new version replaces it; a TTL would let a refresh re-run it.
    assert "ttlSecondsAfterFinished" not in spec


def test_job_passes_kubernetes_validate_strict(job: dict[str, Any]) -> None:
    kubernetes_validate.validate(job, "1.37.0", strict=True)


def test_app_service_and_pdb_never_select_the_migration_pod(job: dict[str, Any], settings: AppSpec) -> None:
    pod_labels = job["spec"]["template"]["metadata"]["labels"]
    app_selector = selector_labels(settings)
    assert not app_selector.items() <= pod_labels.items()
    assert pod_labels["app.kubernetes.io/component"] == "migration"


def test_network_policy_lets_the_job_reach_only_dns_and_postgres(settings: AppSpec) -> None:
    policy = build_migration_network_policy(settings, IMAGE, "1.4.2")
    kubernetes_validate.validate(policy, "1.37.0", strict=True)
    spec = policy["spec"]
    assert spec["podSelector"] == {"matchLabels": {MIGRATION_LABEL: job_name(settings, IMAGE, "1.4.2")}}
    assert spec["policyTypes"] == ["Ingress", "Egress"] and "ingress" not in spec  # nothing may connect in
    ports = sorted((p["protocol"], p["port"]) for rule in spec["egress"] for p in rule["ports"])
    assert ports == [("TCP", 53), ("TCP", 5432), ("UDP", 53)]
    [postgres] = [rule for rule in spec["egress"] if rule["ports"] == [{"protocol": "TCP", "port": 5432}]]
    assert postgres["to"] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "web-db"}}}]


def test_a_new_image_or_version_is_a_new_job(settings: AppSpec) -> None:
    name = job_name(settings, IMAGE, "1.4.2")
    assert name.startswith("web-migrate-") and len(name) <= 63
    assert job_name(settings, IMAGE, "1.4.2") == name
    assert job_name(settings, IMAGE.replace("a" * 64, "b" * 64), "1.4.2") != name
    assert job_name(settings, IMAGE, "1.4.3") != name


@pytest.fixture(scope="module")
def registered(tmp_path_factory: pytest.TempPathFactory) -> tuple[list[Resource], Path]:
    """Runs a small program that composes Database + migration_job against the prod stack settings."""
    program = tmp_path_factory.mktemp("migration-program")
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, program / name)
    (program / "__main__.py").write_text(PROGRAM.replace("IMAGE", IMAGE))
    resources = run_program(program, stackconfig.load(program, "prod", []))
    out = program / "render"
    render(out, resources)
    return resources, out


def test_migration_job_is_registered_after_the_cluster_and_url_secret(
    registered: tuple[list[Resource], Path], settings: AppSpec
) -> None:
    resources, out = registered
    by_name = {r.name: r for r in resources}
    job = by_name["web-migrate"]
    assert {by_name["database-cluster"].urn, by_name["database-url"].urn} <= set(job.dependencies)
    assert by_name["web-migrate-networkpolicy"].urn in job.dependencies
    rendered = yaml.safe_load(
        (out / "manifests" / "greenlight-prod" / f"job-{job_name(settings, IMAGE, '1.4.2')}.yaml").read_text()
    )
    assert rendered["spec"]["template"]["spec"]["containers"][0]["args"] == ["migrate"]
