"""What __main__.py composes per stack: the components a user gets, and what they export."""

from __future__ import annotations

import pytest

from tests.support.preview import preview

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
