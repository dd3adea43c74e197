"""The policy pack imports nothing from components/ (it must run on any program), so it keeps its own
copies of the names and rules it shares with the product. These tests keep the copies equal."""

from __future__ import annotations

from pathlib import Path

import pytest
from greenlight_policies import alerting, durability, metadata, observability, registry, reliability, remediation
from greenlight_policies import credentials as pack_credentials
from greenlight_policies import workloads as pack_workloads

from components import contract
from components.objects import charts, migration
from components.objects.database import CNPG_API_VERSION
from components.settings import credentials, grammar
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


def test_the_credential_rule_is_one_rule() -> None:
    """Settings do not copy the pack's rule: they load its very file."""
    assert credentials.RULE_FILE == Path(pack_credentials.__file__).resolve()


@pytest.mark.parametrize(
    ("name", "value", "secret"),
    [
        ("DB_PASSWORD", "hunter2", True),
        ("api_key", "abc", True),
        ("GITHUB_TOKEN", "abc", True),
        ("AWS_SECRET_ACCESS_KEY", "abc", True),
        ("SERVICE_CREDENTIALS", "abc", True),
        ("UPSTREAM", "https://u:pw@api.example.com", True),
        ("S3_USER", "AKIAIOSFODNN7EXAMPLE", True),
        ("DB_PASSWORD", "$(DB_PASSWORD_FROM_SECRET)", False),
        ("PASSWORD_FILE", "/run/secrets/db", False),
        ("TLS_SECRET_NAME", "web-tls", False),
        ("TOKEN_TTL", "3600", False),
        ("CACHE_KEY", "web", False),
        ("LOG_LEVEL", "info", False),
    ],
)
def test_settings_and_pack_agree_on_each_variable(name: str, value: str, secret: bool) -> None:
    """Where settings refuse `app.env.<name>`, the pack refuses the literal env var, and vice versa."""
    pod = {"containers": [{"name": "app", "env": [{"name": name, "value": value}]}]}
    workload = pack_workloads.Workload("Deployment", "web", "greenlight-prod", {}, {}, pod)
    assert credentials.is_plaintext_credential(name, value) is secret
    assert bool(list(pack_workloads.literal_secret_env(workload, {}))) is secret
