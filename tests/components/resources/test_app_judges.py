"""The judges over the rendered app manifests: kubernetes-validate --strict, checkov, the ServiceMonitor schema."""

from __future__ import annotations

from pathlib import Path

import kubernetes_validate
import pytest
import yaml
from cloudcoil.models.prometheus_operator.v1 import ServiceMonitor
from kubernetes_validate import utils as kv_utils

from tests.components.resources.test_app import APP_TYPE, STACKS, stack
from tests.support.checkov import component_manifest_files, run_checkov

OLDEST_SUPPORTED = (1, 29)
# API groups served by CRDs, which kubernetes-validate has no schema for; checked by their own tests.
CRD_GROUPS = ("monitoring.coreos.com/", "gateway.networking.k8s.io/", "postgresql.cnpg.io/")


def kubernetes_versions() -> list[str]:
    versions = {v for v in kv_utils.all_versions() if tuple(map(int, v.split(".")[:2])) >= OLDEST_SUPPORTED}
    return sorted(versions, key=lambda v: tuple(map(int, v.split("."))))


def validate_strict(files: list[Path]) -> tuple[list[str], int]:
    """(errors, number of objects validated) across every version from 1.29 to the newest shipped."""
    errors, checked = [], 0
    for path in files:
        obj = yaml.safe_load(path.read_text())
        if obj["apiVersion"].startswith(CRD_GROUPS):
            continue  # explicitly skipped: custom resources, see the cloudcoil / Gateway API tests
        checked += 1
        for version in kubernetes_versions():
            try:
                kubernetes_validate.validate(obj, version, strict=True)
            except kubernetes_validate.ValidationError as e:
                errors.append(f"{path.name} @ {version}: {e.message} at {list(e.path)}")
    return errors, checked


def test_version_range_reaches_the_newest_shipped() -> None:
    versions = kubernetes_versions()
    assert versions[0] == "1.29.0" and versions[-1] == kv_utils.latest_version()


@pytest.mark.parametrize("name", sorted(STACKS))
def test_app_manifests_pass_kubernetes_validate_strict(name: str) -> None:
    errors, checked = validate_strict(component_manifest_files(stack(name), APP_TYPE))
    assert checked >= 7  # ServiceAccount, ConfigMap, Deployment, Service, PDB, NetworkPolicy, Job (+HPA, Ingress)
    assert errors == []


def test_strict_validation_rejects_an_unknown_field(tmp_path: Path) -> None:
    """The judge has teeth: a typo in a field name fails."""
    deployment = stack("dev").manifest("Deployment", "web")
    deployment["spec"]["template"]["spec"]["containers"][0]["readinessprobe"] = {}
    bad = tmp_path / "deployment.yaml"
    bad.write_text(yaml.safe_dump(deployment))
    errors, _ = validate_strict([bad])
    assert errors and all("readinessprobe" in e for e in errors)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_checkov_reports_no_failed_check(name: str) -> None:
    report = run_checkov(component_manifest_files(stack(name), APP_TYPE))
    assert report.failures() == []
    assert report.passed > 0
    # every skip is one we wrote, with its reason, on the object it concerns
    assert {c["check_id"] for c in report.skipped} <= {"CKV_K8S_35"}
    assert all(c["check_result"].get("suppress_comment") for c in report.skipped)


@pytest.mark.parametrize("name", sorted(STACKS))
def test_service_monitor_matches_the_operator_types(name: str) -> None:
    doc = stack(name).manifest("ServiceMonitor", "web")
    monitor = ServiceMonitor.model_validate(doc)
    assert monitor.spec.endpoints[0].port == "http"
    assert monitor.spec.endpoints[0].path == "/metrics"
    assert monitor.spec.pod_target_labels == ["greenlight.dev/color", "app.kubernetes.io/version"]
