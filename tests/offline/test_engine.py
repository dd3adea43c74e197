"""The offline preview must show what `pulumi preview` would: graph, options, secrets, policy results."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from offline import analyzer, stackconfig
from offline.__main__ import main
from tests.support.preview import ROOT

PROGRAM = ROOT / "tests" / "fixtures" / "engine_program"
PROBE_PACK = ROOT / "tests" / "fixtures" / "probe_pack"
FAULTY_PACK = ROOT / "tests" / "fixtures" / "faulty_pack"
PLACEHOLDER = "offline-secret-"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["preview", "--stack", "test", "--cwd", str(PROGRAM), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def test_tree_shows_components_and_children_in_order(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys)
    assert code == 0
    lines = [line for line in out.splitlines() if line.startswith(" +")]
    names = [line.split()[-2] for line in lines]
    # The SDK registers top-level resources concurrently, so `unlabelled` may come before or after the
    # component (so does `pulumi preview`); a component's children always follow it, in their order.
    assert names[0] == "probe-test" and sorted(names) == sorted(
        ["probe-test", "probe", "probe-secret", "probe-deployment", "unlabelled"]
    )
    assert names.index("probe") + 1 == names.index("probe-secret") == names.index("probe-deployment") - 1
    assert "├─ probe:index:Bundle" in out or "└─ probe:index:Bundle" in out
    assert "│  └─ kubernetes:apps/v1:Deployment" in out or "   └─ kubernetes:apps/v1:Deployment" in out
    assert "+ 5 to create" in out
    assert "1  kubernetes:apps/v1:Deployment" in out


def test_render_records_parents_dependencies_and_options(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(capsys, "--render", str(tmp_path))
    assert code == 0
    records = {r["name"]: r for r in json.loads((tmp_path / "resources.json").read_text())}
    bundle, secret, deployment = records["probe"], records["probe-secret"], records["probe-deployment"]
    assert bundle["type"] == "probe:index:Bundle" and bundle["custom"] is False
    assert secret["parent"] == bundle["urn"] and deployment["parent"] == bundle["urn"]
    assert records["unlabelled"]["parent"] == records["probe-test"]["urn"]
    assert deployment["dependencies"] == [secret["urn"]]
    assert deployment["protect"] is True and deployment["retainOnDelete"] is True
    assert secret["protect"] is False
    assert bundle["outputs"] == {"deployment": "probe"}


def test_integral_numbers_render_as_integers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    run(capsys, "--render", str(tmp_path))
    text = (tmp_path / "manifests" / "probe" / "deployment-probe.yaml").read_text()
    assert "replicas: 3\n" in text
    assert yaml.safe_load(text)["spec"]["replicas"] == 3
    assert isinstance(yaml.safe_load(text)["spec"]["replicas"], int)


def test_secrets_are_redacted_in_tree_render_and_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, err = run(capsys, "--render", str(tmp_path), "--policy-pack", str(PROBE_PACK))
    assert PLACEHOLDER not in out + err
    assert "token: [secret]" in out
    for path in tmp_path.rglob("*"):
        if path.is_file():
            assert PLACEHOLDER not in path.read_text(), path
    secret = yaml.safe_load((tmp_path / "manifests" / "probe" / "secret-probe-secret.yaml").read_text())
    assert secret["stringData"] == {"token": "[secret]"}
    _, json_out, _ = run(capsys, "--json", "--policy-pack", str(PROBE_PACK))
    assert PLACEHOLDER not in json_out
    assert json.loads(json_out)["outputs"]["token"] == "[secret]"  # noqa: S105


def test_remediation_keeps_secret_values_secret(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--render", str(tmp_path), "--policy-pack", str(PROBE_PACK))
    secret = yaml.safe_load((tmp_path / "manifests" / "probe" / "secret-probe-secret.yaml").read_text())
    assert secret["metadata"]["annotations"] == {"probe/remediated": "yes"}
    assert secret["stringData"] == {"token": "[secret]"}
    assert "[remediated]  stamp-secrets" in out


def test_config_overrides_reach_the_program(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(
        capsys, "--render", str(tmp_path), "--config", "probe:replicas=4", "--config", "probe:limits.memory=1Gi"
    )
    assert code == 0
    deployment = yaml.safe_load((tmp_path / "manifests" / "probe" / "deployment-probe.yaml").read_text())
    assert deployment["spec"]["replicas"] == 4
    limits = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]["limits"]
    assert limits == {"cpu": "500m", "memory": "1Gi"}


def test_violations_arrive_over_grpc_with_their_enforcement_level(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(capsys, "--json", "--policy-pack", str(PROBE_PACK))
    report = json.loads(out)
    assert code == 1
    [violation] = report["violations"]
    assert violation["policy"] == "needs-owner" and violation["level"] == "mandatory"
    assert violation["urn"].endswith("kubernetes:core/v1:ConfigMap::unlabelled")
    assert report["summary"]["violations"] == {"mandatory": 1, "advisory": 0}

    advisory = tmp_path / "advisory.json"
    advisory.write_text(json.dumps({"needs-owner": "advisory"}))
    code, out, _ = run(capsys, "--json", "--policy-pack", str(PROBE_PACK), "--policy-pack-config", str(advisory))
    assert code == 0
    assert [v["level"] for v in json.loads(out)["violations"]] == ["advisory"]


def test_stack_policy_sees_options_parents_and_config(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps({"needs-owner": "disabled", "max-replicas": {"max": 2}}))
    code, out, _ = run(capsys, "--json", "--policy-pack", str(PROBE_PACK), "--policy-pack-config", str(config))
    messages = [v["message"].splitlines()[-1] for v in json.loads(out)["violations"]]
    # Replicas (3) exceed the configured max (2); protect and parent arrive, so no other finding.
    # Numbers cross the protocol as protobuf doubles, as they do with the real engine.
    assert messages == ["probe-deployment has 3.0 replicas, more than 2.0."]
    assert code == 1


@pytest.mark.parametrize(
    ("pack_config", "fragment"),
    [
        ({"needs-ownr": "advisory"}, "unknown policies needs-ownr"),
        ({"max-replicas": {"maximum": 2}}, "max-replicas"),
        ({"max-replicas": {"max": "two"}}, "max-replicas"),
        ({"all": "sometimes"}, "allowed: advisory, mandatory, disabled, remediate"),
        ({"needs-owner": {"enforcementLevel": ["mandatory"]}}, "needs-owner: level ['mandatory']"),
        (["needs-owner"], "expected a JSON object"),
        ({"needs-owner": 1}, "needs-owner: 1 is neither a level nor an object"),
    ],
)
def test_bad_policy_pack_config_exits_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], pack_config: object, fragment: str
) -> None:
    config = tmp_path / "pack.json"
    config.write_text(json.dumps(pack_config))
    code, _, err = run(capsys, "--policy-pack", str(PROBE_PACK), "--policy-pack-config", str(config))
    assert code == 2
    assert fragment in err


def test_program_error_is_one_message_without_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--config", "probe:fail=true")
    assert code == 2
    assert "the program failed on purpose" in err
    assert "Traceback" not in err
    code, _, err = run(capsys, "--config", "probe:fail=true", "--debug")
    assert code == 2 and "Traceback" in err


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--stack", "nope"], "no stack file Pulumi.nope.yaml"),
        (["--config", "novalue"], "expected KEY=VALUE"),
        (["--policy-pack-config", "x.json"], "--policy-pack-config needs --policy-pack"),
        (["--policy-pack", "/nonexistent"], "no __main__.py"),
    ],
)
def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str) -> None:
    code = main(["preview", "--stack", "test", "--cwd", str(PROGRAM), *argv])
    assert code == 2
    assert fragment in capsys.readouterr().err


def test_cli_runs_as_a_module_with_exit_codes() -> None:
    """The documented command line, in its own process: exit 1 on a mandatory violation."""
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "offline",
            "preview",
            "--stack",
            "test",
            "--cwd",
            str(PROGRAM),
            "--policy-pack",
            str(PROBE_PACK),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert "needs-owner" in result.stdout


@pytest.fixture
def started_packs(monkeypatch: pytest.MonkeyPatch) -> list[subprocess.Popen[str]]:
    """Every pack process the engine starts, so a test can check none is left running."""
    started: list[subprocess.Popen[str]] = []
    real_popen = subprocess.Popen

    def recording_popen(*args: object, **kwargs: object) -> subprocess.Popen[str]:
        process: subprocess.Popen[str] = real_popen(*args, **kwargs)  # type: ignore[call-overload]
        started.append(process)
        return process

    monkeypatch.setattr(analyzer.subprocess, "Popen", recording_popen)
    return started


def test_a_pack_that_never_prints_its_port_times_out_and_is_stopped(
    monkeypatch: pytest.MonkeyPatch, started_packs: list[subprocess.Popen[str]]
) -> None:
    monkeypatch.setenv("FAULTY_PACK", "hang")
    with pytest.raises(stackconfig.UsageError, match="printed no port within 1s"):
        analyzer.PolicyPack(FAULTY_PACK, startup_seconds=1)
    [process] = started_packs
    assert process.poll() is not None


def test_a_policy_that_raises_is_one_message_and_the_pack_is_stopped(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], started_packs: list[subprocess.Popen[str]]
) -> None:
    monkeypatch.setenv("FAULTY_PACK", "raise")
    code, _, err = run(capsys, "--policy-pack", str(FAULTY_PACK))
    assert code == 2
    assert "the faulty pack broke on purpose" in err
    assert "Traceback" not in err and "debug_error_string" not in err
    [process] = started_packs
    assert process.poll() is not None


def test_a_chatty_pack_and_its_initial_config_are_served_like_the_engine_does(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # The pack writes megabytes to stdout and stderr: nothing may block on a full pipe. Its
    # initial config makes `noisy` mandatory and sets a property, as PolicyConfig messages carry them.
    monkeypatch.delenv("FAULTY_PACK", raising=False)
    code, out, _ = run(capsys, "--json", "--policy-pack", str(FAULTY_PACK))
    report = json.loads(out)
    assert code == 1
    assert [(v["policy"], v["level"]) for v in report["violations"]] == [("noisy", "mandatory")]
    assert "(from-initial-config)" in report["violations"][0]["message"]


def test_overriding_one_key_of_a_secret_object_keeps_the_object_secret(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text(
        "config:\n  probe:db:\n    user: app\n    password:\n      secure: v1:cipher\n  probe:token:\n"
        "    secure: v1:cipher\n"
    )
    loaded = stackconfig.load(tmp_path, "test", ["probe:db.user=admin", "probe:db.port=5432"])
    assert "probe:db" in loaded.secret_keys
    db = json.loads(loaded.config["probe:db"])
    assert db["user"] == "admin" and db["port"] == 5432
    assert db["password"].startswith(PLACEHOLDER)
    # Replacing the only secure value (or the whole key) with plaintext makes it plaintext, as `config set` does.
    loaded = stackconfig.load(tmp_path, "test", ["probe:db.password=hunter2", "probe:token=plain"])
    assert loaded.secret_keys == frozenset()


@pytest.mark.parametrize(
    ("override", "fragment"),
    [
        ("probe:token.value=x", "probe:token is not an object"),
        ("probe:db.password.x=1", "probe:db.password is not an object"),
        ("probe:db.user.first=x", "probe:db.user is not an object"),
    ],
)
def test_path_overrides_into_a_secret_or_scalar_are_refused(tmp_path: Path, override: str, fragment: str) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: probe\nruntime: python\n")
    (tmp_path / "Pulumi.test.yaml").write_text(
        "config:\n  probe:db:\n    user: app\n    password:\n      secure: v1:cipher\n  probe:token:\n"
        "    secure: v1:cipher\n"
    )
    with pytest.raises(stackconfig.UsageError, match=fragment):
        stackconfig.load(tmp_path, "test", [override])
