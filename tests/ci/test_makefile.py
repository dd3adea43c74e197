"""What `make` does before it does it: `make -n` prints every recipe a target would run."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
MAKE_TIMEOUT_SECONDS = 60


def dry_run(*args: str, tmp_path: Path) -> str:
    """Recipes `make` would run in a checkout whose virtualenvs do not exist yet (a fresh clone)."""
    make = require_tool("make")
    fresh = [f"VENV={tmp_path / 'venv'}", f"CHECKOV_VENV={tmp_path / 'venv-checkov'}"]
    done = subprocess.run(
        [make, "-n", "--no-print-directory", *fresh, *args],
        cwd=ROOT, capture_output=True, text=True, timeout=MAKE_TIMEOUT_SECONDS, check=True,
    )  # fmt: skip
    return done.stdout


def test_render_never_installs_checkov(tmp_path: Path) -> None:
    recipes = dry_run("render", tmp_path=tmp_path)
    assert "requirements-dev.txt" in recipes  # a fresh clone does install the project's dependencies
    assert "for stack in dev prod" in recipes and "-m offline preview --stack $stack" in recipes
    assert "checkov" not in recipes


@pytest.mark.parametrize("target", ["scan", "unit"])
def test_scan_and_the_tests_install_checkov_which_they_run(target: str, tmp_path: Path) -> None:
    assert "-r requirements-checkov.txt" in dry_run(target, tmp_path=tmp_path)


def test_help_lists_every_target_with_what_it_does(tmp_path: Path) -> None:
    make = require_tool("make")
    shown = subprocess.run(
        [make, "--no-print-directory", "-C", str(ROOT), "help"],
        capture_output=True, text=True, timeout=MAKE_TIMEOUT_SECONDS, check=True,
    ).stdout  # fmt: skip
    phony = re.search(r"^\.PHONY:(.*)$", (ROOT / "Makefile").read_text(), re.M)
    assert phony
    described = dict(re.findall(r"^  (\S+)\s+(.+)$", shown, re.M))
    assert set(described) == set(phony.group(1).split())
    assert all(len(text) > 3 for text in described.values())


def test_plain_make_prints_the_help(tmp_path: Path) -> None:
    assert dry_run(tmp_path=tmp_path).startswith('echo "greenlight: make TARGET"')


def test_long_steps_say_what_they_do_before_they_start(tmp_path: Path) -> None:
    recipes = dry_run("scan", tmp_path=tmp_path)
    for step in ("installing the pinned Python dependencies", "installing checkov", "offline preview of $stack",
                 "checkov on the rendered manifests", "pip-audit"):  # fmt: skip
        assert f"== {step}" in recipes, step
    assert "scripts.dependency_audit" in recipes  # pip-audit's verdict counts what it audited
