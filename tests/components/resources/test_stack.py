"""What __main__.py composes per stack: the components a user gets, and what they export."""

from __future__ import annotations

import shutil
from collections import Counter
from pathlib import Path

import pytest

from offline import stackconfig
from offline.pack_stream import run_pack
from tests.support.preview import ROOT, Preview, preview

PROMETHEUS_OPERATOR_KINDS = ("PrometheusRule", "ServiceMonitor", "PodMonitor")


def test_without_monitoring_no_prometheus_operator_object_is_created() -> None:
    """The CRDs come with the monitoring stack: without it, a PrometheusRule would fail `pulumi up`."""
    dev = preview("dev", "greenlight:monitoring.enabled=false")
    assert not dev.of_type("greenlight:index:MonitoringStack")
    assert not dev.of_type("greenlight:index:AppObservability")
    for kind in PROMETHEUS_OPERATOR_KINDS:
        assert dev.manifests(kind) == [], kind


@pytest.mark.parametrize(
    ("stack", "components"),
    [
        ("dev", {"AppDeployment", "Database", "MonitoringStack", "AppObservability", "PostgresOperator"}),
        ("staging", {"BlueGreenRelease", "Database", "MonitoringStack", "AppObservability", "PostgresOperator"}),
        ("prod", {"BlueGreenRelease", "Database", "MonitoringStack", "AppObservability", "PostgresOperator"}),
    ],
)
def test_each_stack_composes_its_components(stack: str, components: set[str]) -> None:
    found = {r.type.split(":")[-1] for r in preview(stack).resources if r.type.startswith("greenlight:index:")}
    assert found == components


def test_prod_exports_what_the_release_runbook_uses() -> None:
    [stack] = preview("prod").of_type("pulumi:pulumi:Stack")
    outputs = stack.outputs
    assert outputs["activeColor"] == "blue"
    assert outputs["serviceUrl"] == "http://web.greenlight-prod.svc.cluster.local:8080"
    assert outputs["previewUrl"] == "http://web-preview.greenlight-prod.svc.cluster.local:8080"
    assert outputs["databaseUrlSecret"] == "web-db-url"


# --- composing several apps on one platform, from the public API alone --------------------------------

TWO_APPS = '''
"""Two apps on one platform: the stack's own app and an "api" in its own namespace."""
import sys

sys.path.insert(0, {root!r})

from components.resources.stack import deploy_app, install_platform
from components.settings import app_spec, load

settings = load()
platform = install_platform(settings)
deploy_app(app_spec(settings), platform)
deploy_app(app_spec(settings, name="api", namespace="api-prod"), platform, prefix="api-")
'''


@pytest.fixture(scope="module")
def two_apps_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    program = tmp_path_factory.mktemp("two-apps")
    for name in ("Pulumi.yaml", "Pulumi.prod.yaml"):
        shutil.copy(ROOT / name, program / name)
    (program / "__main__.py").write_text(TWO_APPS.format(root=str(ROOT)))
    return program


@pytest.fixture(scope="module")
def two_apps(two_apps_program: Path) -> Preview:
    return preview("prod", cwd=two_apps_program)


def test_two_apps_share_one_platform_and_get_their_own_pieces(two_apps: Preview) -> None:
    count = Counter(r.type.split(":")[-1] for r in two_apps.resources if r.type.startswith("greenlight:index:"))
    assert count == {
        "MonitoringStack": 1,
        "PostgresOperator": 1,
        "BlueGreenRelease": 2,
        "Database": 2,
        "AppObservability": 2,
    }
    deployments = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in two_apps.manifests("Deployment")}
    assert deployments == {
        ("greenlight-prod", "web-blue"),
        ("greenlight-prod", "web-green"),
        ("api-prod", "api-blue"),
        ("api-prod", "api-green"),
    }


def test_each_app_is_wired_to_its_own_database_and_scrape_job(two_apps: Preview) -> None:
    [policy] = [p for p in two_apps.manifests("NetworkPolicy") if p["metadata"]["name"] == "api"]
    to_database = [rule for rule in policy["spec"]["egress"] if rule["ports"][0]["port"] == 5432]
    assert to_database[0]["to"] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "api-db"}}}]
    pod = two_apps.manifest("Deployment", "api-blue")["spec"]["template"]["spec"]
    [url] = pod["containers"][0]["env"]
    assert url["valueFrom"]["secretKeyRef"]["name"] == "api-db-url"
    rule = two_apps.manifest("PrometheusRule", "api-alerts")
    http = rule["spec"]["groups"][0]["rules"]
    assert all('job="api", namespace="api-prod"' in r["expr"] for r in http if "record" in r)


def test_no_kubernetes_object_is_claimed_twice(two_apps: Preview) -> None:
    """Two URNs for one (kind, namespace, name) would fail `pulumi up` with AlreadyExists."""
    identities = Counter(
        (m["kind"], m["metadata"].get("namespace", ""), m["metadata"]["name"]) for m in two_apps.manifests()
    )
    assert [identity for identity, n in identities.items() if n > 1] == []


def test_a_second_app_leaves_the_first_apps_objects_unchanged(two_apps: Preview) -> None:
    single = preview("prod")
    first_app = [m for m in single.manifests() if m["metadata"].get("namespace") == "greenlight-prod"]
    assert first_app and all(m in two_apps.manifests() for m in first_app)


def test_two_apps_pass_the_prod_policy_pack(two_apps_program: Path, two_apps: Preview) -> None:
    config = stackconfig.load(two_apps_program, "prod", [])
    pack, pack_config = ROOT / "policies", ROOT / "policies" / "config" / "prod.json"
    violations, _, _ = run_pack(pack, pack_config, config, list(two_apps.resources))
    assert [v for v in violations if v.level == "mandatory"] == []
