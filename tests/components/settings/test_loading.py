"""Bad settings fail before anything is created: exit 2, one message naming file, key and what is allowed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from components.settings import ConfigError, Secret, Settings, parse
from components.settings import reference as docs
from components.settings.problems import NAMESPACE
from components.settings.reference import field_docs
from offline.__main__ import main
from tests.support.preview import ROOT

DIGEST = "ghcr.io/acme/greenlight-web@sha256:" + "a" * 64

# (stack, --config override, key the message must name, fragment of what is allowed)
BAD_SETTINGS = [
    ("dev", "greenlight:environment=qa", "greenlight:environment", "dev, staging or prod"),
    ("dev", "greenlight:app.replicas=abc", "greenlight:app.replicas", "an integer from 1 to 100"),
    ("dev", "greenlight:app.replicas=0", "greenlight:app.replicas", "an integer from 1 to 100"),
    ("dev", "greenlight:app.replica=2", "greenlight:app.replica", "did you mean 'replicas'"),
    ("dev", "greenlight:releas.activeColor=green", "greenlight:releas", "did you mean 'release'"),
    ("dev", "greenlight:colour=blue", "greenlight:colour", "allowed keys"),
    ("dev", "greenlight:app.image=ghcr.io/acme/web:latest", "greenlight:app.image", "'latest' is a mutable tag"),
    ("dev", "greenlight:app.image=ghcr.io/acme/web", "greenlight:app.image", "immutable"),
    (
        "prod",
        "greenlight:release.green.image=ghcr.io/acme/web:1.5.0",
        "greenlight:release.green.image",
        "pinned by digest",
    ),
    ("dev", "greenlight:app.image=Not An Image", "greenlight:app.image", "an image reference"),
    ("dev", "greenlight:grafanaAdminPassword=hunter2", "greenlight:grafanaAdminPassword", "pulumi config set --secret"),
    ("dev", "greenlight:app.resources.cpuRequest=lots", "greenlight:app.resources.cpuRequest", "a CPU quantity"),
    ("dev", "greenlight:app.resources.memoryLimit=512MB", "greenlight:app.resources.memoryLimit", "memory quantity"),
    ("dev", "greenlight:monitoring.retention=15days", "greenlight:monitoring.retention", "a Prometheus duration"),
    (
        "dev",
        "greenlight:team=",
        "greenlight:team",
        "is missing; set it with `pulumi config set greenlight:team <value>`",
    ),
    ("dev", "greenlight:costCenter=cost center!", "greenlight:costCenter", "a label value"),
    ("prod", "greenlight:release.activeColor=purple", "greenlight:release.activeColor", "blue or green"),
    ("dev", "greenlight:release.strategy=big-bang", "greenlight:release.strategy", "rolling, blue-green or canary"),
    (
        "prod",
        "greenlight:app.autoscaling.minReplicas=1",
        "greenlight:app.autoscaling.minReplicas",
        "at least 2 in prod",
    ),
    ("prod", "greenlight:app.autoscaling.maxReplicas=0", "greenlight:app.autoscaling.maxReplicas", "1 to 500"),
    ("dev", "greenlight:app.port=80", "greenlight:app.port", "a port from 1024 to 65535"),
    (
        "dev",
        "greenlight:alerting.availabilityObjective=100",
        "greenlight:alerting.availabilityObjective",
        "90 to 99.999",
    ),
    ("dev", "greenlight:alerting.grafanaUrl=grafana.acme/", "greenlight:alerting.grafanaUrl", "an http(s) URL"),
    ("prod", "greenlight:database.backup.enabled=false", "greenlight:database.backup.enabled", "true in prod"),
    ("prod", "greenlight:database.backup.schedule=0 2 * * *", "greenlight:database.backup.schedule", "six-field cron"),
    (
        "dev",
        "greenlight:app.ingress.enabled=true",
        "greenlight:app.ingress.host",
        "is missing; set it with `pulumi config set --path greenlight:app.ingress.host <value>`",
    ),
    (
        "dev",
        "greenlight:app.env.DB_PASSWORD=hunter2",
        "greenlight:app.env.DB_PASSWORD",
        "no credential in plain env",
    ),
    ("prod", "greenlight:app.resources.cpuRequest=2", "greenlight:app.resources.cpuRequest", "at most cpuLimit"),
    (
        "dev",
        "greenlight:app.autoscaling.minReplicas=5",
        "greenlight:app.autoscaling.minReplicas",
        "at most maxReplicas",
    ),
    ("prod", "greenlight:release.gate.maxErrorRatio=2", "greenlight:release.gate.maxErrorRatio", "a ratio from 0 to 1"),
    ("dev", "greenlight:app.name=Web_App", "greenlight:app.name", "a DNS-1035 label"),
    ("dev", "greenlight:app.drainSeconds=-1", "greenlight:app.drainSeconds", "seconds from 1 to 300"),
    ("dev", "greenlight:monitoring.enabled=maybe", "greenlight:monitoring.enabled", "true or false"),
    ("dev", "greenlight:database.instances=10", "greenlight:database.instances", "an integer from 1 to 9"),
    ("dev", "greenlight:app.version=latest", "greenlight:app.version", "a semantic version"),
    ("dev", "greenlight:namespace=Prod_NS", "greenlight:namespace", "a namespace name"),
    ("prod", "greenlight:release.canaryWeight=20", "greenlight:release.canaryWeight", "0 unless strategy is canary"),
    ("prod", "greenlight:monitoring.enabled=false", "greenlight:monitoring.enabled", "true in prod"),
    (
        "prod",
        "greenlight:monitoring.lokiBucket=",
        "greenlight:monitoring.lokiBucket",
        "a bucket name when lokiStorage is s3",
    ),
    (
        "prod",
        "greenlight:database.backup.destinationPath=/backups",
        "greenlight:database.backup.destinationPath",
        "s3://",
    ),
    ("dev", 'greenlight:app={"replicas": 2', "greenlight:app", "an object"),
    ("prod", "greenlight:cluster.context=", "greenlight:cluster.context", "the kubeconfig context of the prod cluster"),
    ("dev", "greenlight:app.ingress.clusterIssuer=Lets_Encrypt", "app.ingress.clusterIssuer", "a ClusterIssuer"),
    ("dev", "greenlight:monitoring.retention=2d", "greenlight:monitoring.retention", "the longest SLO window"),
    ("staging", "greenlight:monitoring.retention=48h", "greenlight:monitoring.retention", "at least 3d"),
    ("prod", "greenlight:monitoring.controlPlane=eks", "greenlight:monitoring.controlPlane", "managed or self-managed"),
]


def test_the_table_covers_at_least_25_bad_settings() -> None:
    assert len(BAD_SETTINGS) >= 25
    assert len({override for _, override, _, _ in BAD_SETTINGS}) == len(BAD_SETTINGS)


@pytest.mark.parametrize(("stack", "override", "key", "allowed"), BAD_SETTINGS)
def test_bad_setting_exits_2_naming_the_key(
    capsys: pytest.CaptureFixture[str], stack: str, override: str, key: str, allowed: str
) -> None:
    code = main(["preview", "--stack", stack, "--config", override])
    out, err = capsys.readouterr()
    assert code == 2
    assert key in err and allowed in err, err
    # The override is named where its problem is: the value came from it, not from the stack file.
    assert all(f"--config {override}" in line for line in err.splitlines() if key in line), err
    assert "Traceback" not in err
    assert "to create" not in out, "nothing may be previewed once a setting is bad"


def test_every_problem_is_reported_at_once(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        ["preview", "--stack", "dev", "--config", "greenlight:app.replicas=0", "--config", "greenlight:app.port=1"]
    )
    err = capsys.readouterr().err
    assert code == 2
    assert "greenlight:app.replicas" in err and "greenlight:app.port" in err


def test_the_repository_stacks_are_valid(capsys: pytest.CaptureFixture[str]) -> None:
    for stack in ("dev", "staging", "prod"):
        assert main(["preview", "--stack", stack]) == 0, capsys.readouterr().err


def _raw(**overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "greenlight:environment": "dev",
        "greenlight:team": "payments",
        "greenlight:costCenter": "cc-1",
        "greenlight:app": {"image": DIGEST},
        "greenlight:monitoring": {"enabled": False},
        "greenlight:database": {"enabled": False},
    }
    raw.update({f"greenlight:{k}": v for k, v in overrides.items()})
    return raw


def test_per_environment_defaults_apply_when_unset() -> None:
    dev = parse(_raw(), "dev")
    assert dev.app.replicas == 1 and not dev.app.autoscaling.enabled and dev.release.strategy == "rolling"
    prod = parse(
        _raw(
            environment="prod",
            cluster={"context": "prod-cluster"},
            release={"blue": {"image": DIGEST}, "green": {"image": DIGEST}},
            monitoring={"lokiBucket": "logs"},
            database={"backup": {"destinationPath": "s3://acme-backups/p"}},
            databasePassword="d",
            pagerdutyRoutingKey="k",
            grafanaAdminPassword="p",
            lokiSecretAccessKey="l",
            backupSecretAccessKey="b",
        ),
        "prod",
        {
            f"greenlight:{k}"
            for k in (
                "pagerdutyRoutingKey",
                "grafanaAdminPassword",
                "lokiSecretAccessKey",
                "backupSecretAccessKey",
                "databasePassword",
            )
        },
    )
    assert prod.app.autoscaling.enabled and prod.app.autoscaling.min_replicas == 3
    assert prod.release.strategy == "blue-green" and prod.database.instances == 3
    assert prod.database.backup.enabled and prod.monitoring.loki_storage == "s3"
    assert prod.monitoring.retention == "15d"


def test_values_stored_as_strings_are_coerced_like_pulumi_config() -> None:
    s = parse(_raw(app='{"image": "' + DIGEST + '", "replicas": "2", "ingress": {"enabled": "false"}}'), "dev")
    assert s.app.replicas == 2 and s.app.ingress.enabled is False


def test_settings_are_frozen_and_secrets_have_no_plaintext_accessor() -> None:
    s = parse(_raw(grafanaAdminPassword="pw"), "dev", {"greenlight:grafanaAdminPassword"})
    with pytest.raises(dataclasses.FrozenInstanceError):
        s.environment = "prod"  # type: ignore[misc]
    assert isinstance(s.grafana_admin_password, Secret)
    assert "pw" not in repr(s) and "pw" not in str(s.grafana_admin_password)


def test_config_error_lists_the_stack_file() -> None:
    with pytest.raises(ConfigError) as caught:
        parse(_raw(app={"image": DIGEST, "port": "x"}), "staging")
    assert caught.value.stack_file == "Pulumi.staging.yaml"
    assert caught.value.problems == ['greenlight:app.port = "x" is not allowed; allowed: a port from 1024 to 65535']


def test_readme_settings_reference_matches_settings_py() -> None:
    """The README table is generated from the dataclasses; a drift fails here."""
    readme = (ROOT / "README.md").read_text()
    for key, kind, default, doc in field_docs(Settings):
        row = f"| `{key}` | {kind} | {default} | {doc} |"
        assert row in readme, (
            "README settings reference is stale; run "
            f"`python -m components.settings.reference --write README.md`: {row}"
        )
    # and nothing else: a row for a setting that no longer exists is stale too
    assert f"{docs.BEGIN}\n{docs.settings_table()}\n{docs.END}" in readme, (
        "README settings reference has rows settings.py does not generate; "
        "run `python -m components.settings.reference --write README.md`"
    )


def test_every_stack_file_key_is_commented_or_documented() -> None:
    documented = {key.split(".")[0] for key, *_ in field_docs(Settings)}
    for stack_file in Path(ROOT).glob("Pulumi.*.yaml"):
        for line in stack_file.read_text().splitlines():
            stripped = line.strip()
            if stripped.startswith("greenlight:"):
                assert stripped.split(":")[1] in documented, (stack_file.name, line)


def test_settings_loading_is_the_only_config_reader() -> None:
    loader = ROOT / "components" / "settings" / "loading.py"
    for path in [*Path(ROOT / "components").rglob("*.py"), ROOT / "__main__.py"]:
        if path == loader:
            continue
        text = path.read_text()
        assert "pulumi.Config(" not in text and "runtime.config" not in text, f"{path} reads config directly"
    assert NAMESPACE == "greenlight"


def test_docs_write_replaces_only_the_generated_table(tmp_path: Path) -> None:
    readme = tmp_path / "README.md"
    readme.write_text(f"# Title\n\n{docs.BEGIN}\n| stale |\n{docs.END}\n\nAfter.\n")
    docs.write(readme)
    text = readme.read_text()
    assert text.startswith("# Title\n") and text.endswith("After.\n")
    assert "| stale |" not in text
    assert "| `app.replicas` | an integer from 1 to 100 |" in text


def test_secret_settings_are_documented_as_secrets() -> None:
    rows = {key: (kind, default) for key, kind, default, _ in field_docs(Settings)}
    for secret in ("grafanaAdminPassword", "pagerdutyRoutingKey", "databasePassword", "registryPassword"):
        assert rows[secret] == ("secret", "unset"), secret
    assert not any(key.endswith("._value") or key.endswith(".Value") for key in rows)
