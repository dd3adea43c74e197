"""`python -m scripts.secrets STACK`: what a stack needs, what is missing, how to set it."""

from __future__ import annotations

import dataclasses
import shutil
from pathlib import Path

import pytest
import yaml

from components.settings import ConfigError
from offline import stackconfig
from offline.engine import run_program
from scripts import secrets

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("dev", "staging", "prod")
# What each committed stack's settings demand (the rules in components/invariants.py), as a user reads it.
EXPECTED_REQUIRED = {
    "dev": {"databasePassword", "grafanaAdminPassword"},
    "staging": {"databasePassword", "grafanaAdminPassword", "registryPassword"},
    "prod": {
        "backupSecretAccessKey", "databasePassword", "grafanaAdminPassword", "lokiSecretAccessKey",
        "pagerdutyRoutingKey",
    },
}  # fmt: skip
# What `pulumi config set --secret` writes with a passphrase provider: v1:<base64 nonce>:<base64 ciphertext>.
REAL_LOOKING_CIPHERTEXT = "v1:4xNcN2sK0PiIrr2b:Zf6yGk1Yy0kqQ8bqtqjvTq6e8cQ="


def greenlight(keys: set[str]) -> set[str]:
    return {f"greenlight:{k}" for k in keys}


def statuses(stack: str, cwd: Path = ROOT) -> dict[str, secrets.SecretStatus]:
    return {s.key: s for s in secrets.stack_secrets(cwd, stack)}


@pytest.mark.parametrize("stack", STACKS)
def test_required_secrets_are_what_the_stack_rules_demand(stack: str) -> None:
    found = statuses(stack)
    assert {k for k, s in found.items() if s.required} == greenlight(EXPECTED_REQUIRED[stack])
    assert set(found) == set(secrets.secret_settings())  # every secret setting is listed, optional or not


@pytest.mark.parametrize("stack", STACKS)
def test_the_program_fails_without_each_required_secret_and_runs_without_the_optional_ones(stack: str) -> None:
    """Judged by the program itself under the offline engine, not by the command's own logic."""
    config = stackconfig.load(ROOT, stack, [])
    found = statuses(stack)

    def without(keys: set[str]) -> stackconfig.StackConfig:
        kept = {k: v for k, v in config.config.items() if k not in keys}
        return dataclasses.replace(config, config=kept, secret_keys=config.secret_keys - keys)

    optional = {k for k, s in found.items() if not s.required}
    assert run_program(ROOT, without(optional))  # registers resources: nothing optional was needed
    for key in (k for k, s in found.items() if s.required):
        with pytest.raises(ConfigError) as failure:
            run_program(ROOT, without({key}))
        assert any(problem.startswith(f"{key} is missing") for problem in failure.value.problems), key


@pytest.mark.parametrize("stack", STACKS)
def test_committed_placeholders_are_flagged_and_the_set_commands_printed(
    stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert secrets.main([stack]) == secrets.EXIT_OK
    out = capsys.readouterr().out
    committed = {k for k, s in statuses(stack).items() if s.state == secrets.PLACEHOLDER}
    assert greenlight(EXPECTED_REQUIRED[stack]) <= committed  # the committed files hold placeholders only
    commands = {line.strip() for line in out.splitlines() if line.strip().startswith("pulumi config set")}
    assert commands == {f"pulumi config set --stack {stack} --secret {key}" for key in committed}
    assert "a real secrets provider cannot decrypt them" in out
    assert secrets.main([stack, "--check"]) == secrets.EXIT_ACTION_NEEDED


def project_copy(tmp_path: Path, stack: str) -> tuple[Path, dict[str, object]]:
    for name in ("Pulumi.yaml", f"Pulumi.{stack}.yaml"):
        shutil.copy(ROOT / name, tmp_path / name)
    document = yaml.safe_load((tmp_path / f"Pulumi.{stack}.yaml").read_text())
    return tmp_path, document


def write(cwd: Path, stack: str, document: dict[str, object]) -> None:
    (cwd / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document))


def test_a_stack_with_its_own_secrets_has_nothing_to_do(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cwd, document = project_copy(tmp_path, "prod")
    config = document["config"]
    assert isinstance(config, dict)
    for key, status in statuses("prod").items():
        if status.required:
            config[key] = {"secure": REAL_LOOKING_CIPHERTEXT}
        else:
            config.pop(key, None)  # what `pulumi config rm` does to an optional placeholder
    write(cwd, "prod", document)

    assert secrets.main(["prod", "--cwd", str(cwd), "--check"]) == secrets.EXIT_OK
    out = capsys.readouterr().out
    assert "Nothing to do" in out
    assert "pulumi config set" not in out


def test_a_missing_required_secret_and_a_plaintext_one_need_action(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cwd, document = project_copy(tmp_path, "prod")
    config = document["config"]
    assert isinstance(config, dict)
    del config["greenlight:pagerdutyRoutingKey"]
    config["greenlight:slackWebhookUrl"] = "https://hooks.slack.com/services/T000/B000/XXXX"  # not --secret
    write(cwd, "prod", document)

    found = statuses("prod", cwd)
    assert found["greenlight:pagerdutyRoutingKey"].state == secrets.MISSING
    assert found["greenlight:pagerdutyRoutingKey"].required  # still required: the rule, not the file, decides
    assert found["greenlight:slackWebhookUrl"].state == secrets.PLAINTEXT
    assert all(found[k].needs_action for k in ("greenlight:pagerdutyRoutingKey", "greenlight:slackWebhookUrl"))
    assert secrets.main(["prod", "--cwd", str(cwd)]) == secrets.EXIT_OK
    out = capsys.readouterr().out
    assert "pulumi config set --stack prod --secret greenlight:pagerdutyRoutingKey" in out
    assert "hooks.slack.com" not in out  # a plaintext secret is flagged, never echoed


def test_an_invalid_stack_is_one_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cwd, document = project_copy(tmp_path, "dev")
    config = document["config"]
    assert isinstance(config, dict)
    config["greenlight:environment"] = "qa"
    write(cwd, "dev", document)

    assert secrets.main(["dev", "--cwd", str(cwd)]) == secrets.EXIT_ERROR
    err = capsys.readouterr().err
    assert err.startswith("secrets: error: invalid settings in Pulumi.dev.yaml:")
    assert 'greenlight:environment = "qa" is not allowed' in err
    assert "Traceback" not in err
    assert secrets.main(["nosuchstack"]) == secrets.EXIT_ERROR
    assert "no stack file Pulumi.nosuchstack.yaml" in capsys.readouterr().err
