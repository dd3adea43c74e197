"""The judges over the release's rendered objects: kubernetes-validate --strict and checkov."""

from __future__ import annotations

import pytest

from tests.components.resources.test_app_judges import validate_strict
from tests.support.checkov import component_manifest_files, run_checkov
from tests.support.preview import preview

RELEASE_TYPE = "greenlight:index:BlueGreenRelease"
VARIANTS = {
    "prod-blue-green": ("prod",),
    "prod-promote": ("prod", "greenlight:release.activeColor=green"),  # with the promotion gate Job
    "prod-canary": ("prod", "greenlight:release.strategy=canary", "greenlight:release.canaryWeight=10"),
    "staging-build": ("staging",),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_release_manifests_pass_kubernetes_validate_strict(variant: str) -> None:
    errors, checked = validate_strict(component_manifest_files(preview(*VARIANTS[variant]), RELEASE_TYPE))
    assert checked >= 12  # 2 x (Deployment, ConfigMap, Service, PDB) + SA, NetworkPolicy, 2 Services, gate Job
    assert errors == []


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_checkov_reports_no_failed_check(variant: str) -> None:
    report = run_checkov(component_manifest_files(preview(*VARIANTS[variant]), RELEASE_TYPE))
    assert report.failures() == []
    assert report.passed > 0  # checkov read the manifests: no findings because nothing was scanned is no pass
    assert {c["check_id"] for c in report.skipped} <= {"CKV_K8S_35"}
