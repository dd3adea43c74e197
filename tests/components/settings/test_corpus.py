"""Corpora of stack files, kept apart from the unit tests: realistic mistakes must stop before anything
exists (exit 2, the stack file and the key named, what is allowed, no traceback, nothing rendered), and
valid-but-unusual files must pass. Each case changes one real stack file the way a user would."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline.__main__ import main
from tests.support.preview import ROOT

CORPUS = Path(__file__).parent / "corpus"
NAMESPACE = "greenlight"


def load_cases(name: str) -> list[Any]:
    cases = yaml.safe_load((CORPUS / name).read_text())
    return [pytest.param(case, id=case["id"]) for case in cases]


BAD = load_cases("bad_stack_files.yaml")
GOOD = load_cases("good_stack_files.yaml")


def write_stack(directory: Path, stack: str, changes: dict[str, Any]) -> None:
    """The repository's stack file with `changes` (dotted keys under greenlight:) applied, as a user edits it."""
    shutil.copy(ROOT / "Pulumi.yaml", directory / "Pulumi.yaml")
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text())
    config = document["config"]
    for dotted, value in changes.items():
        top, *path = dotted.split(".")
        if not path:
            config[f"{NAMESPACE}:{top}"] = value
            continue
        node = config.setdefault(f"{NAMESPACE}:{top}", {})
        for part in path[:-1]:
            node = node.setdefault(part, {})
        node[path[-1]] = value
    (directory / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(document, sort_keys=False))
    # The program is the repository's own, run from the copy's directory.
    shutil.copy(ROOT / "__main__.py", directory / "__main__.py")
    (directory / "components").symlink_to(ROOT / "components")
    (directory / "policies").symlink_to(ROOT / "policies")


def preview(directory: Path, stack: str) -> tuple[int, str]:
    err = io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
        code = main(["preview", "--stack", stack, "--cwd", str(directory), "--render", str(directory / "render")])
    return code, err.getvalue()


def test_the_corpora_are_as_large_as_promised() -> None:
    assert len(BAD) >= 80 and len(GOOD) >= 15
    assert len({c.id for c in BAD}) == len(BAD) and len({c.id for c in GOOD}) == len(GOOD)


@pytest.mark.parametrize("case", BAD)
def test_a_realistic_mistake_stops_before_anything_is_created(tmp_path: Path, case: dict[str, Any]) -> None:
    write_stack(tmp_path, case["stack"], case["set"])
    code, message = preview(tmp_path, case["stack"])
    assert code == 2, message
    assert f"Pulumi.{case['stack']}.yaml" in message
    assert f"{NAMESPACE}:{case['key']}" in message, message
    assert case["allowed"] in message, message
    assert "Traceback" not in message
    assert not (tmp_path / "render").exists()


@pytest.mark.parametrize("case", GOOD)
def test_a_valid_unusual_stack_file_previews_and_renders(tmp_path: Path, case: dict[str, Any]) -> None:
    write_stack(tmp_path, case["stack"], case["set"])
    code, message = preview(tmp_path, case["stack"])
    assert code == 0, message
    assert any((tmp_path / "render" / "manifests").rglob("*.yaml"))
