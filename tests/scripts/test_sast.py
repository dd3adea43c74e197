"""SAST: bandit finds no unsuppressed issue of medium or high severity in the code that ships or runs in CI."""

from __future__ import annotations

import sys
from pathlib import Path

from scripts import sast
from tests.support.tools import require_tool


def test_bandit_reports_no_medium_or_high_severity_issue() -> None:
    beside = Path(sys.executable).parent / "bandit"
    require_tool(str(beside) if beside.exists() else "bandit")
    findings, errors, scanned = sast.run_bandit(sast.DEFAULT_PATHS)
    assert errors == []
    assert [str(f) for f in findings if not sast.suppressed_with_reason(f)] == []
    assert {Path(name).parts[0] for name in scanned} == set(sast.DEFAULT_PATHS)  # every tree was read


def test_a_suppression_needs_the_same_rule_and_a_reason(tmp_path: Path) -> None:
    (tmp_path / "m.py").write_text(
        'a = "/tmp"  # noqa: S108 (an emptyDir mount, not a shared dir)\n'
        'b = "/tmp"  # noqa: S108\n'
        'c = "/tmp"  # noqa: S104 wrong rule, however well argued\n'
        "# the reason may also stand on the line above\n"
        'd = "/tmp"  # noqa: S108\n'
    )
    verdicts = [
        sast.suppressed_with_reason(sast.Finding("B108", "MEDIUM", "m.py", line, ""), root=tmp_path)
        for line in (1, 2, 3, 5)
    ]
    assert verdicts == [True, False, False, True]


def test_bandit_finds_a_real_issue(tmp_path: Path) -> None:
    beside = Path(sys.executable).parent / "bandit"
    require_tool(str(beside) if beside.exists() else "bandit")
    (tmp_path / "bad.py").write_text("import subprocess\nsubprocess.call('ls ' + input(), shell=True)\n")
    findings, _, _ = sast.run_bandit(("bad.py",), root=tmp_path)
    assert "B602" in {f.test_id for f in findings}
