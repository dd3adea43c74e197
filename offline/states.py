"""The two states a plan compares: a program run with a stack's settings (here, at a git ref, or in
another checkout), or the resources.json of an earlier render."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from offline import render, stackconfig
from offline.engine import Resource, run_program
from offline.errors import UsageError
from offline.monitor import Expand
from offline.stackconfig import StackConfig

GIT_TIMEOUT_SECONDS = 120  # a worktree of this repository takes about a second; a hung git must not hang CI


@dataclass(frozen=True)
class State:
    description: str
    resources: list[Resource]
    config: StackConfig | None  # None for a state read from resources.json


def capture(
    cwd: Path, stack: str, overrides: list[str], expand: Expand | None = None
) -> tuple[StackConfig, list[Resource]]:
    """Runs the program in `cwd` with the stack's settings; a settings error names the override behind it.

    `expand`: what registers a chart's objects (offline/charts.py); without it, charts stay unexpanded.
    """
    config = stackconfig.load(cwd, stack, overrides)
    try:
        return config, run_program(cwd, config, expand)
    except Exception as err:
        explained = stackconfig.explain_settings_error(err, config)
        if explained is not None:
            raise explained from err
        raise


def describe(where: str, overrides: list[str], option: str = "--config") -> str:
    return where + "".join(f" {option} {o}" for o in overrides)


def program_state(cwd: Path, stack: str, overrides: list[str], where: str, flag: str = "") -> State:
    """A state from running the program; errors of a base side say which side failed."""
    try:
        config, resources = capture(cwd, stack, overrides)
    except UsageError as err:
        raise UsageError(f"{flag}: {err}" if flag else str(err)) from err
    except Exception as err:
        if not flag:
            raise
        kind = "" if type(err).__name__ == "ConfigError" else f"{type(err).__name__}: "
        raise UsageError(f"{flag}: the program failed: {kind}{err}") from err
    return State(describe(where, overrides, "--base-config" if flag else "--config"), resources, config)


def file_state(path: Path) -> State:
    return State(f"the render at {path}", render.load_resources(path), None)


def _git(repo: Path, *args: str) -> str:
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), *args],  # noqa: S607 - git from PATH, like any developer tool
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_SECONDS,
            check=False,
        )
    except FileNotFoundError:
        raise UsageError("--base needs git on PATH") from None
    except subprocess.TimeoutExpired:
        raise UsageError(f"git {' '.join(args)} took over {GIT_TIMEOUT_SECONDS}s") from None
    if result.returncode != 0:
        raise UsageError(f"git {' '.join(args)}: {result.stderr.strip() or 'failed'}")
    return result.stdout.strip()


@contextmanager
def worktree_at(cwd: Path, ref: str) -> Iterator[tuple[Path, str]]:
    """(the project directory as of `ref`, the commit) in a temporary git worktree, removed afterwards."""
    if ref.startswith("-"):
        raise UsageError(f"--base {ref!r}: expected a git ref such as main, HEAD~1 or a commit")
    toplevel = Path(_git(cwd, "rev-parse", "--show-toplevel")).resolve()
    try:
        commit = _git(cwd, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")
    except UsageError:
        raise UsageError(f"--base {ref}: not a commit in {toplevel}") from None
    scratch = Path(tempfile.mkdtemp(prefix="greenlight-plan-"))
    tree = scratch / "base"
    try:
        _git(toplevel, "worktree", "add", "--detach", "--quiet", str(tree), commit)
        try:
            project = tree / cwd.resolve().relative_to(toplevel)
            if not (project / "Pulumi.yaml").is_file():
                raise UsageError(f"--base {ref}: no Pulumi project at {project.relative_to(tree)} in {commit[:12]}")
            yield project, commit
        finally:
            _git(toplevel, "worktree", "remove", "--force", str(tree))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # only our own temporary directory
