"""One error contract for every command the README documents: bad input exits 2 with one message naming the
input and what is allowed, never a traceback (that needs --debug), and nothing is written or deleted."""

from __future__ import annotations

import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.support.preview import ROOT

DIGEST_IMAGE = "ghcr.io/acme/web:1.6.0@sha256:" + "a" * 64
RELEASE = ["-m", "scripts.release", "--image", DIGEST_IMAGE, "--version", "1.6.0", "--smoke-url", "https://x.example"]
# Commands the README shows that are not ours to give this contract, and why.
NOT_COVERED = {
    "pytest": "the test runner",
    "greenlight_app": "the service (app/); its settings errors belong to app/README.md",
}


@dataclass(frozen=True)
class Case:
    command: str  # as the README names it: a module (`offline`) or a script path
    argv: list[str]
    fragment: str  # what the one message must say


CASES = [
    Case("offline", ["-m", "offline", "preview", "--stack", "qa"], "no stack file Pulumi.qa.yaml"),
    Case("offline", ["-m", "offline", "preview", "--stack", "dev", "--config", "app.replicas"], "expected KEY=VALUE"),
    Case(
        "offline",
        ["-m", "offline", "preview", "--stack", "prod", "--config", "greenlight:app.replicas=0"],
        "(from --config greenlight:app.replicas=0)",
    ),
    Case("offline", ["-m", "offline", "preview", "--stack", "dev", "--render", "."], "refusing to replace it"),
    Case(
        "offline",
        ["-m", "offline", "preview", "--stack", "dev", "--policy-pack-config", "x.json"],
        "needs --policy-pack",
    ),
    Case("offline", ["-m", "offline", "plan", "--stack", "prod", "--base", "no-such-ref"], "not a commit"),
    Case("offline", ["-m", "offline", "plan", "--stack", "prod", "--base-state", "nope.json"], "not a resources.json"),
    Case("scripts.release", [*RELEASE, "--stack", "qa", "--pulumi", sys.executable], "no stack file Pulumi.qa.yaml"),
    Case(
        "scripts.release", [*RELEASE, "--stack", "prod", "--pulumi", "/nonexistent/pulumi"], "Pulumi CLI was not found"
    ),
    Case(
        "scripts.release",
        [*RELEASE[:-4], "--version", "v1", "--smoke-url", "https://x", "--stack", "prod"],
        "--version",
    ),
    Case("scripts.render_diff", ["-m", "scripts.render_diff", "nope", "nope"], "no render at nope"),
    Case("scripts/render_diff.py", ["scripts/render_diff.py", "build", "build", "--output", "README.md"], "refusing"),
    Case("scripts/smoke_test.py", ["scripts/smoke_test.py", "web.example.com"], "expected an http(s) URL"),
    Case("scripts.sast", ["-m", "scripts.sast", "no/such/dir"], "no such path"),
    Case("scripts.secrets", ["-m", "scripts.secrets", "qa"], "no stack file Pulumi.qa.yaml"),
    Case("scripts.secrets", ["-m", "scripts.secrets", "dev", "--cwd", "/nonexistent"], "no Pulumi.yaml in"),
    Case("benchmarks/preview.py", ["benchmarks/preview.py", "--repeat", "0"], "allowed: 1 or more"),
    Case("benchmarks/preview.py", ["benchmarks/preview.py", "--stacks", "qa"], "no stack file for qa"),
    Case("benchmarks/policy_pack.py", ["benchmarks/policy_pack.py", "--resources", "0"], "allowed: 1 or more"),
    Case("benchmarks/scale_apps.py", ["benchmarks/scale_apps.py", "--apps", "-1"], "allowed: 1 or more"),
    Case("benchmarks/memory_peak.py", ["benchmarks/memory_peak.py", "--apps", "0", "10"], "allowed: 1 or more"),
    Case("benchmarks/memory_peak.py", ["benchmarks/memory_peak.py", "--apps", "10", "10"], "two different numbers"),
    Case("benchmarks/release_changes.py", ["benchmarks/release_changes.py", "--fast"], "unrecognized arguments"),
    Case(
        "components.settings.reference",
        ["-m", "components.settings.reference", "--write", "/nonexistent/README.md"],
        "--write /nonexistent/README.md: cannot read it",
    ),
    Case(
        "components.settings.reference",
        ["-m", "components.settings.reference", "--write", "Makefile"],
        "no settings markers",
    ),
]


def _tree(root: Path) -> dict[str, float]:
    """Every file under the repository with its modification time (build/ and caches aside)."""
    skip = {".git", "build", ".venv", ".venv-checkov", ".mypy_cache", ".ruff_cache", ".pytest_cache", "__pycache__"}
    files: dict[str, float] = {}
    for path in root.iterdir():
        if path.name in skip:
            continue
        for item in [path] if path.is_file() else path.rglob("*"):
            if item.is_file() and not skip & set(item.parts):
                files[str(item.relative_to(root))] = item.stat().st_mtime
    return files


@pytest.mark.parametrize(
    "case", CASES, ids=[f"{c.command} {' '.join(c.argv[2 if c.argv[0] == '-m' else 1 :])}" for c in CASES]
)
def test_bad_input_is_one_message_and_exit_2(case: Case) -> None:
    before = _tree(ROOT)
    result = subprocess.run([sys.executable, *case.argv], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    assert case.fragment in result.stderr
    assert len([line for line in result.stderr.splitlines() if "error" in line]) == 1
    assert _tree(ROOT) == before  # nothing written, nothing deleted


def _readme_commands() -> set[str]:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    modules = set(re.findall(r"python -m ([A-Za-z_][\w.]*)", text))
    scripts = set(re.findall(r"python ((?:scripts|benchmarks)/\w+\.py)", text))
    return modules | scripts


def test_every_command_in_the_readme_is_covered() -> None:
    covered = {case.command for case in CASES}
    readme = _readme_commands()
    assert readme - covered - set(NOT_COVERED) == set()
    assert {"offline", "scripts.release"} <= readme  # the parse finds the README's commands at all
