"""The release pipeline against a fake Pulumi CLI (tests/support/fake_pulumi.py): the stack lock, the
deployed weight, the history, and whole canary releases run as the workflow runs them, one dying mid-way."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

from scripts.release_stack import FREE, LOCK_TAG, Deployed, PulumiCli, Track
from tests.support import fake_pulumi

ROOT = Path(__file__).resolve().parents[2]
NEW = Track("ghcr.io/acme/greenlight-web:1.6.0@sha256:" + "c" * 64, "1.6.0")
HOLDER = f"{NEW.version} {NEW.image}"


def canary_stack_file() -> dict[str, Any]:
    """prod as checked in (blue 1.4.2 live, green 1.5.0), released as a canary."""
    document = yaml.safe_load((ROOT / "Pulumi.prod.yaml").read_text())
    document["config"]["greenlight:release"]["strategy"] = "canary"
    return document


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A Pulumi project directory with the canary stack file, deployed once as it stands."""
    directory = tmp_path / "project"
    directory.mkdir()
    shutil.copy(ROOT / "Pulumi.yaml", directory)
    (directory / "Pulumi.prod.yaml").write_text(yaml.safe_dump(canary_stack_file(), sort_keys=False))
    fake_pulumi.deploy(tmp_path / "state", canary_stack_file())
    return directory


def cli(project: Path) -> PulumiCli:
    fake = fake_pulumi.install(project.parent, project.parent / "state")
    return PulumiCli("prod", project, binary=str(fake))


def test_the_lock_keeps_a_second_release_out_until_the_first_is_done(project: Path) -> None:
    stack = cli(project)
    assert stack.lock(HOLDER) is None
    other = "1.7.0 ghcr.io/acme/greenlight-web:1.7.0@sha256:" + "d" * 64
    assert stack.lock(other) == HOLDER  # refused, and told who holds it
    assert stack.lock(HOLDER) is None  # a rerun of the same release takes it over
    stack.unlock(other)  # not the holder: changes nothing
    assert stack.lock(other) == HOLDER
    stack.unlock(HOLDER)
    assert stack._tag() == FREE
    assert stack.lock(other) is None


def test_a_backend_that_keeps_no_tags_does_not_block_releases(project: Path, tmp_path: Path) -> None:
    stack = cli(project)
    no_tags = tmp_path / "no-tags"
    no_tags.write_text(
        f'#!/bin/sh\ncase "$1 $2" in \'stack tag\') [ "$3" = set ] && exit 0; exit 255 ;; esac\n'
        f'exec {stack.binary} "$@"\n'
    )
    no_tags.chmod(0o755)
    stack.binary = str(no_tags)
    assert stack.lock(HOLDER) is None and stack.lock("another") is None


def test_the_deployed_weight_steps_and_history_are_read(project: Path) -> None:
    state = project.parent / "state"
    stack = cli(project)
    repo_file = (project / "Pulumi.prod.yaml").read_text()
    at_25 = canary_stack_file()
    at_25["config"]["greenlight:release"]["canaryWeight"] = "25"  # `config set --path` may keep it as text
    fake_pulumi.deploy(state, at_25, result="failed")
    deployed = stack.deployed()
    assert deployed is not None and deployed.canary_weight == 25 and deployed.active_color == "blue"
    assert (project / "Pulumi.prod.yaml").read_text() == repo_file  # the repo's settings stay the truth
    assert stack.last_update_result() == "failed"
    assert stack.canary_steps() == (5, 25, 50, 100) and stack.strategy() == "canary"


class _Healthy(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("X-App-Version", NEW.version)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def public_url() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Healthy)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def release(project: Path, url: str, **fake_env: str) -> subprocess.CompletedProcess[str]:
    """`python -m scripts.release` as release-stack.yml runs it, with the fake CLI."""
    fake = fake_pulumi.install(project.parent, project.parent / "state")
    command = [sys.executable, "-m", "scripts.release", "--stack", "prod", "--image", NEW.image]
    command += ["--version", NEW.version, "--smoke-url", url, "--cwd", str(project), "--pulumi", str(fake)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKE_", "GITHUB_"))}
    return subprocess.run(command, cwd=ROOT, env={**env, **fake_env}, capture_output=True, text=True, timeout=120)


def updates(project: Path) -> list[tuple[str, int]]:
    """(result, weight) of each update after the seeded one."""
    return [(u["result"], u["weight"]) for u in fake_pulumi.history(project.parent / "state")[1:]]


def deployed_release(project: Path) -> dict[str, Any]:
    return dict(
        yaml.safe_load((project.parent / "state" / "deployed.yaml").read_text())["config"]["greenlight:release"]
    )


def test_a_whole_canary_release_through_the_cli(project: Path, public_url: str) -> None:
    result = release(project, public_url)
    assert result.returncode == 0, result.stdout + result.stderr
    ok = "succeeded"
    assert updates(project) == [(ok, 0), (ok, 5), (ok, 25), (ok, 50), (ok, 100), (ok, 0)]
    final = deployed_release(project)
    assert final["activeColor"] == "green" and final["canaryWeight"] == 0
    assert final["green"] == {"image": NEW.image, "version": NEW.version}
    assert "released 1.6.0 on green" in result.stdout
    log = (project.parent / "state" / "log").read_text().splitlines()
    assert log[0] == f"stack tag get {LOCK_TAG}" and log[-1] == f"stack tag set {LOCK_TAG} {FREE}"


def test_a_step_that_fails_through_the_cli_aborts_to_0(project: Path, public_url: str) -> None:
    result = release(project, public_url, FAKE_FAIL_AT="25")
    assert result.returncode == 1
    assert updates(project) == [("succeeded", 0), ("succeeded", 5), ("failed", 25), ("succeeded", 0)]
    assert deployed_release(project)["activeColor"] == "blue" and deployed_release(project)["canaryWeight"] == 0
    assert "canary aborted at step 2/4 (25%)" in result.stdout


def test_a_release_that_died_mid_way_is_resumed_by_its_rerun(project: Path, public_url: str) -> None:
    died = release(project, public_url, FAKE_DIE_AT="50")
    assert died.returncode == -9  # killed during the update at 50%
    assert updates(project) == [("succeeded", 0), ("succeeded", 5), ("succeeded", 25)]
    other = "1.7.0 ghcr.io/acme/greenlight-web:1.7.0@sha256:" + "d" * 64
    assert PulumiCli("prod", project, binary=str(project.parent / "pulumi")).lock(other) == HOLDER  # still held
    rerun = release(project, public_url)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "resuming the canary of 1.6.0 at step 2/4 (25%)" in rerun.stdout
    assert updates(project)[3:] == [("succeeded", 25), ("succeeded", 50), ("succeeded", 100), ("succeeded", 0)]
    assert deployed_release(project)["activeColor"] == "green"


def test_deployed_state_of_the_cli_matches_the_fake_stack_model(project: Path) -> None:
    """The in-process flow tests (test_canary_release.py) take Deployed values of this shape."""
    deployed = cli(project).deployed()
    assert deployed == Deployed(
        "blue",
        {
            "blue": Track(canary_stack_file()["config"]["greenlight:release"]["blue"]["image"], "1.4.2"),
            "green": Track(canary_stack_file()["config"]["greenlight:release"]["green"]["image"], "1.5.0"),
        },
        None,
        0,
    )
