"""The policy pack imports nothing from components/ (it must run on any program), so it keeps its own
copies of the names and rules it shares with the product. These tests keep the copies equal."""

from __future__ import annotations

import pytest
from greenlight_policies import alerting, durability, metadata, observability, registry, reliability, remediation
from greenlight_policies import workloads as pack_workloads

from components import contract
from components.objects import charts, migration
from components.objects.database import CNPG_API_VERSION
from components.settings import grammar
from components.settings.rules import PROD_MIN_REPLICAS


def test_labels_are_the_contracts() -> None:
    assert metadata.RECOMMENDED_LABELS == (
        contract.NAME_LABEL,
        contract.INSTANCE_LABEL,
        contract.VERSION_LABEL,
        contract.COMPONENT_LABEL,
        contract.PART_OF_LABEL,
        contract.TEAM_LABEL,
        contract.COST_CENTER_LABEL,
    )
    assert metadata.POD_COST_LABELS == (contract.TEAM_LABEL, contract.COST_CENTER_LABEL)
    assert (remediation.MANAGED_BY_LABEL, remediation.MANAGED_BY) == (contract.MANAGED_BY_LABEL, contract.MANAGED_BY)
    assert reliability.APP_NAME_LABEL == observability.APP_NAME_LABEL == contract.NAME_LABEL
    assert observability.APP_INSTANCE_LABEL == contract.INSTANCE_LABEL


def test_release_names_are_the_contracts() -> None:
    assert reliability.COLOR_LABEL == contract.COLOR_LABEL
    assert reliability.COLORS == contract.COLORS
    assert migration.MIGRATION_COMPONENT in reliability.MIGRATION_COMPONENTS
    assert reliability.MIN_REPLICAS == PROD_MIN_REPLICAS


def test_alerting_names_are_the_contracts() -> None:
    assert alerting.SEVERITIES == contract.SEVERITIES
    assert alerting.PROMETHEUS_STACK_CHART == charts.KUBE_PROMETHEUS_STACK.chart


def test_the_charts_the_pack_recognises_are_the_ones_greenlight_installs() -> None:
    assert charts.LOKI.chart in observability.LOG_STORES
    assert charts.ALLOY.chart in observability.LOG_COLLECTORS
    assert CNPG_API_VERSION.split("/")[0] == durability.CNPG_GROUP == reliability.CNPG_GROUP


def test_environments_are_the_settings() -> None:
    assert registry.ENVIRONMENTS == grammar.ENVIRONMENTS


def test_the_secret_env_rule_is_the_same_rule() -> None:
    assert pack_workloads.SECRET_ENV_NAME == grammar.SECRET_ENV_NAME
    assert pack_workloads.REFERENCE_SUFFIXES == grammar.SECRET_REFERENCE_SUFFIXES


@pytest.mark.parametrize(
    ("name", "secret"),
    [
        ("DB_PASSWORD", True),
        ("api_key", True),
        ("GITHUB_TOKEN", True),
        ("AWS_SECRET_ACCESS_KEY", True),
        ("SERVICE_CREDENTIALS", True),
        ("PASSWORD_FILE", False),
        ("TLS_SECRET_NAME", False),
        ("SIGNING_KEY_PATH", False),
        ("LOG_LEVEL", False),
        ("FEATURE_FLAGS", False),
    ],
)
def test_settings_and_pack_agree_on_each_name(name: str, secret: bool) -> None:
    """Where settings refuse `app.env.<name>`, the pack refuses the literal env var, and vice versa."""
    pod = {"containers": [{"name": "app", "env": [{"name": name, "value": "x"}]}]}
    workload = pack_workloads.Workload("Deployment", "web", "greenlight-prod", {}, {}, pod)
    assert grammar.is_secret_env_name(name) is secret
    assert bool(list(pack_workloads.literal_secret_env(workload, {}))) is secret
