"""Shared test access to offline previews: run once per (stack, overrides), then query.

Runs the real offline engine in-process (the same code `python -m offline preview` runs) and
keeps the rendered files on disk so judges such as kubernetes-validate can read them.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from offline import stackconfig
from offline.engine import Resource, run_program
from offline.outdir import is_render
from offline.render import RENDER_ENTRIES, render

ROOT = Path(__file__).resolve().parents[2]
RENDER_ROOT = ROOT / "build" / "test-renders"
# Readable part of a render directory's name; a digest of the full arguments keeps names unique.
TAG_CHARS = 100
DIGEST_CHARS = 12


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@cache
def _run_dir() -> Path:
    """This process's render directory; those of test runs that have ended are removed.

    Several pytest processes may run in this tree at once: each renders (and replaces) only its own
    directories, so no run reads files another is rewriting. A run's renders stay until the next run starts.
    """
    for run in RENDER_ROOT.glob("pid-*"):
        pid = run.name.removeprefix("pid-")
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            _remove_renders(run)
    return RENDER_ROOT / f"pid-{os.getpid()}"


def _render_dir(stack: str, overrides: tuple[str, ...], cwd: Path) -> Path:
    """One directory per (program, stack, overrides): no two previews share one, however long the overrides."""
    readable = "-".join([stack, *[o.replace(":", "_").replace("/", "_").replace("=", "_") for o in overrides]])
    digest = hashlib.sha256(json.dumps([str(cwd), stack, *overrides]).encode()).hexdigest()[:DIGEST_CHARS]
    return _run_dir() / f"{readable[:TAG_CHARS]}-{digest}"


def _remove_renders(run: Path) -> None:
    """Deletes the renders an ended test run left, and nothing else: a file it did not write stays."""
    for render_dir in run.iterdir():
        if is_render(render_dir, RENDER_ENTRIES):
            shutil.rmtree(render_dir)
    if not any(run.iterdir()):
        run.rmdir()


@dataclass(frozen=True)
class Preview:
    stack: str
    out: Path
    resources: tuple[Resource, ...]

    @property
    def manifest_files(self) -> list[Path]:
        return sorted((self.out / "manifests").rglob("*.yaml"))

    def manifests(self, kind: str | None = None) -> list[dict[str, Any]]:
        docs = [yaml.safe_load(p.read_text()) for p in self.manifest_files]
        return [d for d in docs if kind is None or d["kind"] == kind]

    def manifest(self, kind: str, name: str) -> dict[str, Any]:
        found = [d for d in self.manifests(kind) if d["metadata"]["name"] == name]
        assert found, f"no {kind} named {name}; have {[d['metadata']['name'] for d in self.manifests(kind)]}"
        return found[0]

    def helm(self) -> dict[str, dict[str, Any]]:
        return {p.stem: yaml.safe_load(p.read_text()) for p in sorted((self.out / "helm").glob("*.yaml"))}

    def records(self) -> list[dict[str, Any]]:
        return json.loads((self.out / "resources.json").read_text())

    def of_type(self, type_token: str) -> list[Resource]:
        return [r for r in self.resources if r.type == type_token]

    def by_urn(self) -> dict[str, Resource]:
        return {r.urn: r for r in self.resources}


@cache
def preview(stack: str, *overrides: str, cwd: Path = ROOT) -> Preview:
    """Offline preview + render of `stack` with `--config` style overrides (cached per args)."""
    config = stackconfig.load(cwd, stack, list(overrides))
    resources = run_program(cwd, config)
    out = _render_dir(stack, overrides, cwd)
    render(out, resources)
    return Preview(stack, out, tuple(resources))
