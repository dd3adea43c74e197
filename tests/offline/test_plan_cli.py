"""`python -m offline plan` as users run it: the base from a git ref, another checkout or a render; text,
JSON and Markdown; exit codes."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from offline.__main__ import main
from tests.support.preview import ROOT

FIXTURE = ROOT / "tests" / "fixtures" / "plan_program"
RENAME = "planprobe:bundleName=store"


def run(capsys: pytest.CaptureFixture[str], *argv: str, cwd: Path = FIXTURE) -> tuple[int, str, str]:
    code = main(["plan", "--stack", "test", "--cwd", str(cwd), *argv])
    out, err = capsys.readouterr()
    return code, out, err


def git(repo: Path, *args: str) -> str:
    result = subprocess.run(["git", "-C", str(repo), *args], capture_output=True, text=True, check=True)
    return result.stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The fixture program in a git repository of its own, one commit deep, in a subdirectory."""
    project = tmp_path / "repo" / "program"
    shutil.copytree(FIXTURE, project)
    git(tmp_path / "repo", "init", "--quiet")
    git(tmp_path / "repo", "add", ".")
    git(tmp_path / "repo", "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "--quiet", "-m", "base")
    return project


def test_text_plan_lists_each_step_with_its_fields_and_the_summary(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--config", "planprobe:clusterIP=10.0.0.10", "--config", "planprobe:replicas=3")
    assert code == 0
    assert " ~  update" in out and "spec.replicas: 2 → 3" in out
    assert " -+ replace (delete, then create)" in out
    assert 'spec.clusterIP: (absent) → "10.0.0.10"  (forces replacement)' in out
    assert "Steps: 0 to create, 1 to update, 1 to replace, 0 to delete, 4 unchanged" in out


def test_json_plan_and_fail_on_hazard(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--config", RENAME, "--json", "--fail-on-hazard")
    report = json.loads(out)
    assert code == 1
    assert report["summary"]["create"] == 4 and report["summary"]["delete"] == 4
    kinds = sorted(h["kind"] for h in report["hazards"])
    assert kinds == ["claimed-twice"] * 3 + ["destructive", "protected"]
    blocked = [s for s in report["steps"] if s["blocked"]]
    assert [(s["op"], s["name"]) for s in blocked] == [("delete", "shop-deployment")]


def test_alias_makes_the_rename_clean_and_exit_zero_with_fail_on_hazard(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--config", RENAME, "--config", "planprobe:aliasFrom=shop", "--fail-on-hazard")
    assert code == 0 and "(no changes)" in out and "Hazards: none" in out


def test_markdown_puts_hazards_first_then_a_table_of_steps(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--config", RENAME, "--markdown")
    assert out.startswith("### `test`: 4 to create, 0 to update, 0 to replace, 4 to delete, 2 unchanged · ⚠️ 5 hazards")
    assert out.index("**Hazards**") < out.index("| | step | resource | type | changed fields |")
    assert "| `-` | delete **blocked** | `shop-deployment` | `kubernetes:apps/v1:Deployment` |" in out


def test_base_from_a_git_ref_runs_the_committed_program_and_removes_its_worktree(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = repo / "Pulumi.test.yaml"
    settings.write_text(settings.read_text().replace("bundleName: shop", "bundleName: store"))
    code, out, _ = run(capsys, "--base", "HEAD", "--json", cwd=repo)
    report = json.loads(out)
    assert code == 0
    assert report["base"].startswith("git HEAD (") and report["summary"]["create"] == 4
    assert len(git(repo, "worktree", "list").splitlines()) == 1  # the temporary worktree is gone


def test_base_from_another_checkout_and_from_a_render(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    shutil.copytree(FIXTURE, other)
    settings = other / "Pulumi.test.yaml"
    settings.write_text(settings.read_text().replace("replicas: 2", "replicas: 4"))
    code, out, _ = run(capsys, "--base-cwd", str(other))
    assert code == 0 and "spec.replicas: 4 → 2" in out

    assert main(["preview", "--stack", "test", "--cwd", str(other), "--render", str(tmp_path / "r")]) == 0
    capsys.readouterr()
    code, out, _ = run(capsys, "--base-state", str(tmp_path / "r" / "resources.json"))
    assert code == 0 and "spec.replicas: 4 → 2" in out and str(tmp_path / "r") in out


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["--base", "no-such-ref"], "--base no-such-ref: not a commit in"),
        (["--base=-x"], "expected a git ref"),
        (["--base-state", "/nonexistent/resources.json"], "not a resources.json written by a render"),
        (["--base-cwd", "/nonexistent"], "no Pulumi.yaml in /nonexistent"),
        (["--base-state", "x.json", "--base-config", "a=b"], "--base-config needs a program to run"),
        (["--config", "planprobe:replicas"], "expected KEY=VALUE"),
    ],
)
def test_bad_plan_inputs_exit_2_with_one_message(
    capsys: pytest.CaptureFixture[str], argv: list[str], fragment: str
) -> None:
    code, out, err = run(capsys, *argv)
    assert code == 2 and fragment in err and "Traceback" not in out + err
    assert len(err.strip().splitlines()) == 1


def test_a_failing_base_program_is_named_as_the_base(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    other = tmp_path / "other"
    shutil.copytree(FIXTURE, other)
    (other / "__main__.py").write_text("raise RuntimeError('the base is broken')\n")
    code, _, err = run(capsys, "--base-cwd", str(other))
    assert code == 2 and "--base-cwd: the program failed: RuntimeError: the base is broken" in err
