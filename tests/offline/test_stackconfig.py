"""Stack files read as the Pulumi CLI reads them, and stricter where the CLI is silently lenient."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from offline import stackconfig
from offline.__main__ import main
from offline.errors import UsageError
from tests.support.preview import ROOT

PROGRAM = ROOT / "tests" / "fixtures" / "engine_program"


@pytest.fixture
def program(tmp_path: Path) -> Path:
    copy = tmp_path / "program"
    shutil.copytree(PROGRAM, copy)
    return copy


def preview(capsys: pytest.CaptureFixture[str], cwd: Path, stack: str = "test", *argv: str) -> tuple[int, str, str]:
    code = main(["preview", "--stack", stack, "--cwd", str(cwd), *argv])
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("text", "key", "lines"),
    [
        ("config:\n  probe:replicas: 3\n  probe:replicas: 4\n", "probe:replicas", "2 and 3"),
        ("config:\n  probe:limits:\n    cpu: 1\n    cpu: 2\n", "cpu", "3 and 4"),
    ],
)
def test_a_key_given_twice_is_refused(program: Path, text: str, key: str, lines: str) -> None:
    (program / "Pulumi.test.yaml").write_text(text)
    with pytest.raises(
        UsageError, match=rf"Pulumi.test.yaml is not valid YAML: key '{key}' is given twice \(lines {lines}\)"
    ):
        stackconfig.load(program, "test", [])


def test_keys_without_a_namespace_get_the_projects(program: Path) -> None:
    document = yaml.safe_load((PROGRAM / "Pulumi.test.yaml").read_text())
    plain = {key.removeprefix("probe:"): value for key, value in document["config"].items()}
    (program / "Pulumi.test.yaml").write_text(yaml.safe_dump({"config": plain}))
    loaded = stackconfig.load(program, "test", [])
    assert loaded.config["probe:replicas"] == "3" and loaded.config["probe:owner"] == "platform"
    assert loaded.secret_keys == {"probe:token"}


def test_an_empty_value_is_missing_not_the_string_none(program: Path, capsys: pytest.CaptureFixture[str]) -> None:
    text = (program / "Pulumi.test.yaml").read_text().replace("probe:owner: platform", "probe:owner:")
    (program / "Pulumi.test.yaml").write_text(text)
    assert "probe:owner" not in stackconfig.load(program, "test", []).config
    code, _, err = preview(capsys, program)
    assert code == 2
    assert "Missing required configuration variable 'probe:owner'" in err and "pulumi config set probe:owner" in err
    assert "Traceback" not in err


def test_an_empty_nested_value_is_dropped(program: Path) -> None:
    text = (program / "Pulumi.test.yaml").read_text().replace("cpu: 500m", "cpu: 500m\n    memory:")
    (program / "Pulumi.test.yaml").write_text(text)
    assert stackconfig.load(program, "test", []).config["probe:limits"] == '{"cpu": "500m"}'


def test_a_bad_override_is_named_as_the_override(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = preview(capsys, ROOT, "prod", "--config", "greenlight:app.replicas=abc")
    assert code == 2
    [line] = [line for line in err.splitlines() if "greenlight:app.replicas" in line]
    assert line.endswith("(from --config greenlight:app.replicas=abc)")
    assert "invalid settings in Pulumi.prod.yaml" not in err


def test_a_missing_required_setting_is_reported_as_missing_not_none(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py"):
        shutil.copy(ROOT / name, project / name)
    text = (project / "Pulumi.dev.yaml").read_text()
    (project / "Pulumi.dev.yaml").write_text(text.replace("greenlight:team: ", "greenlight:team:  # ", 1))
    code, _, err = preview(capsys, project, "dev")
    assert code == 2
    assert "greenlight:team is missing; set it with `pulumi config set greenlight:team <value>`" in err
    assert '"None"' not in err and "Traceback" not in err
