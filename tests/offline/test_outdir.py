"""Nothing is ever lost: renders and reports write only where they wrote before, or where nothing is."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from offline.__main__ import main
from offline.outdir import RENDER_MARKER
from scripts import render_diff
from tests.support.preview import ROOT

PROGRAM = ROOT / "tests" / "fixtures" / "engine_program"


def render(capsys: pytest.CaptureFixture[str], out: Path, cwd: Path = PROGRAM) -> tuple[int, str]:
    code = main(["preview", "--stack", "test", "--cwd", str(cwd), "--render", str(out)])
    return code, capsys.readouterr().err


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_renders_into_a_new_or_an_empty_directory(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert render(capsys, tmp_path / "new" / "dir")[0] == 0
    (tmp_path / "empty").mkdir()
    assert render(capsys, tmp_path / "empty")[0] == 0
    for out in (tmp_path / "new" / "dir", tmp_path / "empty"):
        assert (out / RENDER_MARKER).is_file() and (out / "resources.json").is_file()


def test_a_second_render_replaces_the_first_and_nothing_of_it_stays(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "out"
    assert render(capsys, out)[0] == 0
    stale = out / "manifests" / "probe" / "configmap-gone.yaml"  # an object the next render no longer has
    stale.write_text("kind: ConfigMap\n")
    assert render(capsys, out)[0] == 0
    assert not stale.exists() and (out / "manifests" / "probe" / "deployment-probe.yaml").is_file()


def test_render_dot_inside_a_clone_is_refused_and_deletes_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """`--render .` inside a clone once deleted the clone, `.git` included."""
    clone = tmp_path / "clone"
    shutil.copytree(PROGRAM, clone)
    (clone / ".git").mkdir()
    (clone / ".git" / "HEAD").write_text("ref: refs/heads/main\n")
    before = snapshot(clone)
    monkeypatch.chdir(clone)
    code, err = render(capsys, Path("."), cwd=clone)
    assert code == 2
    assert "--render .: the directory is not empty and was not written by this tool" in err
    assert snapshot(clone) == before


def test_a_marked_render_with_a_foreign_file_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    assert render(capsys, out)[0] == 0
    (out / "notes.md").write_text("mine\n")
    before = snapshot(out)
    code, err = render(capsys, out)
    assert code == 2 and "holds files a render does not write (notes.md)" in err
    assert snapshot(out) == before


def test_an_unmarked_render_from_before_is_refused_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "old"
    (out / "manifests").mkdir(parents=True)
    (out / "resources.json").write_text("[]\n")
    code, err = render(capsys, out)
    assert code == 2 and "a render from before renders were marked" in err
    assert (out / "resources.json").read_text() == "[]\n"


def test_a_file_in_the_way_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "file.txt"
    target.write_text("keep me\n")
    code, err = render(capsys, target)
    assert code == 2 and "exists and is not a directory" in err and target.read_text() == "keep me\n"


def test_render_diff_overwrites_only_its_own_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    base, head = tmp_path / "base", tmp_path / "head"
    assert render(capsys, base)[0] == 0 and render(capsys, head)[0] == 0
    foreign = tmp_path / "README.md"
    foreign.write_text("# my notes\n")
    assert render_diff.main([str(base), str(head), "--output", str(foreign)]) == 2
    assert foreign.read_text() == "# my notes\n"
    assert "refusing to overwrite it" in capsys.readouterr().err
    ours = tmp_path / "diff.md"
    assert render_diff.main([str(base), str(head), "--output", str(ours)]) == 0
    assert render_diff.main([str(base), str(head), "--output", str(ours)]) == 0  # its own report: replaced
    assert ours.read_text().startswith(render_diff.COMMENT_MARKER)
