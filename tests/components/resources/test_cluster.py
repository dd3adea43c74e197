"""Which cluster a stack deploys to: one explicit provider, its context a setting; prod must name it."""

from __future__ import annotations

import json

import pytest

from offline.__main__ import main
from tests.support.preview import preview

PROVIDER_TYPE = "pulumi:providers:kubernetes"
CONTEXTS = {"dev": None, "staging": None, "prod": "greenlight-prod"}  # what the stack files name


@pytest.mark.parametrize("stack", sorted(CONTEXTS))
def test_every_kubernetes_object_goes_through_the_stack_provider(stack: str) -> None:
    rendered = preview(stack)
    [provider] = rendered.of_type(PROVIDER_TYPE)
    assert provider.inputs.get("context") == CONTEXTS[stack]
    kubernetes = [r for r in rendered.resources if r.type.startswith("kubernetes:")]
    assert len(kubernetes) > 20  # objects and charts alike
    # A provider reference is "<provider URN>::<provider id>"; none may be empty (the default provider).
    assert {r.provider.rsplit("::", 1)[0] for r in kubernetes} == {provider.urn}


def test_the_context_comes_from_the_setting() -> None:
    [provider] = preview("dev", "greenlight:cluster.context=kind-greenlight").of_type(PROVIDER_TYPE)
    assert provider.inputs["context"] == "kind-greenlight"


def test_prod_without_a_context_stops_before_any_resource(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--stack", "prod", "--config", "greenlight:cluster.context=", "--json"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""  # no report: nothing was registered
    assert captured.err.startswith("offline: error: invalid settings:")
    assert "greenlight:cluster.context is missing; set it with `pulumi config set --path" in captured.err
    assert "the kubeconfig context of the prod cluster" in captured.err
    assert captured.err.rstrip().endswith("(from --config greenlight:cluster.context=)")  # the override, named


def test_an_empty_context_outside_prod_warns_that_the_current_one_is_used(caplog: pytest.LogCaptureFixture) -> None:
    """pulumi.log.warn: the engine shows it in the preview (the mock runtime logs it as a warning)."""
    warning = "greenlight:cluster.context is empty: deploying to the current context of your kubeconfig"
    assert main(["preview", "--stack", "staging"]) == 0
    assert [r.levelname for r in caplog.records if warning in r.getMessage()] == ["WARNING"]
    caplog.clear()
    assert main(["preview", "--stack", "prod"]) == 0
    assert not [r for r in caplog.records if "cluster.context" in r.getMessage()]


@pytest.mark.parametrize(("stack", "issuer"), [("staging", "letsencrypt-staging"), ("prod", "letsencrypt-prod")])
def test_the_ingress_asks_cert_manager_for_its_tls_secret(stack: str, issuer: str) -> None:
    ingress = preview(stack).manifest("Ingress", "web")
    assert ingress["metadata"]["annotations"] == {"cert-manager.io/cluster-issuer": issuer}
    without = preview(stack, "greenlight:app.ingress.clusterIssuer=").manifest("Ingress", "web")
    assert "annotations" not in without["metadata"]  # no issuer: the TLS Secret is the user's to provide


def test_outputs_say_how_to_reach_the_monitoring_tools_and_dashboards() -> None:
    rendered = preview("prod")
    [stack] = rendered.of_type("pulumi:pulumi:Stack")
    outputs = stack.outputs
    prefix = "kubectl --context greenlight-prod -n monitoring port-forward svc/kube-prometheus-stack"
    assert outputs["portForward"] == {
        "grafana": f"{prefix}-grafana 3000:80",
        "prometheus": f"{prefix}-prometheus 9090:9090",
        "alertmanager": f"{prefix}-alertmanager 9093:9093",
    }
    # The URLs name the dashboards the sidecar loads: the uids inside the rendered ConfigMaps.
    uids = sorted(
        json.loads(body)["uid"]
        for cm in rendered.manifests("ConfigMap")
        if cm["metadata"]["labels"].get("grafana_dashboard") == "1"
        for body in cm["data"].values()
    )
    assert sorted(outputs["dashboards"]) == [f"http://localhost:3000/d/{uid}" for uid in uids]
    assert uids == ["web-database", "web-logs", "web-release", "web-service"]


def test_without_monitoring_there_is_nothing_to_port_forward() -> None:
    [stack] = preview("dev", "greenlight:monitoring.enabled=false").of_type("pulumi:pulumi:Stack")
    assert "portForward" not in stack.outputs and "dashboards" not in stack.outputs
