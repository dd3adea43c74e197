"""pip-audit's verdict counts what was audited: an audit of nothing never prints a pass."""

from __future__ import annotations

import re
from typing import Any

import pytest

from scripts import dependency_audit as audit

# The shapes pip-audit 2.x writes with --format json (pip_audit/_format/json.py).
SKIPPED = {"name": "flask", "skip_reason": "Dependency not found on PyPI and could not be audited: flask (3.1.3)"}
CLEAN = {"name": "gunicorn", "version": "27.0.1", "vulns": []}
VULNERABLE = {
    "name": "jinja2",
    "version": "3.1.3",
    "vulns": [{"id": "GHSA-h75v-3vvj-5mfj", "fix_versions": ["3.1.4"], "aliases": ["CVE-2024-34064"]}],
}


def run(*deps: dict[str, Any], strict: bool = False) -> tuple[int, list[str]]:
    return audit.verdict(audit.parse({"dependencies": list(deps), "fixes": []}), strict)


def test_nothing_audited_is_reported_as_not_audited_never_as_a_pass() -> None:
    code, lines = run(SKIPPED, {**SKIPPED, "name": "click"})
    assert lines[-1].startswith("pip-audit: NOT AUDITED, audited 0 of 2 dependencies; this is not a pass")
    assert "not audited: flask: Dependency not found on PyPI" in lines[0]
    assert not any("passed" in line or "No known vulnerabilities" in line for line in lines)
    assert code == audit.EXIT_CLEAN
    assert run(SKIPPED, strict=True)[0] == audit.EXIT_FINDINGS


def test_a_partial_audit_says_how_much_and_fails_when_strict() -> None:
    code, lines = run(CLEAN, SKIPPED)
    assert lines[-1].startswith("pip-audit: PARTIAL, audited 1 of 2 dependencies")
    assert code == audit.EXIT_CLEAN
    assert run(CLEAN, SKIPPED, strict=True)[0] == audit.EXIT_FINDINGS


def test_a_full_clean_audit_passes_and_a_vulnerability_fails() -> None:
    passed = "pip-audit: passed, audited 1 of 1 dependencies, no known vulnerabilities"
    assert run(CLEAN) == (audit.EXIT_CLEAN, [passed])
    code, lines = run(CLEAN, VULNERABLE, SKIPPED)
    assert code == audit.EXIT_FINDINGS
    assert lines[0] == "vulnerable: jinja2 3.1.3 GHSA-h75v-3vvj-5mfj (fix: 3.1.4)"
    assert lines[-1] == "pip-audit: FAILED, 1 known vulnerabilities (audited 2 of 3 dependencies)"


@pytest.mark.slow
def test_the_real_pip_audit_verdict_matches_what_it_audited(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever this machine's index knows: the verdict's counts are pip-audit's own."""
    reports: list[dict[str, Any]] = []
    real_run = audit.run_pip_audit
    monkeypatch.setattr(audit, "run_pip_audit", lambda files: reports.append(real_run(files)) or reports[-1])
    code = audit.main(["app/requirements.txt"])
    [report] = reports
    parsed = audit.parse(report)
    last = capsys.readouterr().out.rstrip().splitlines()[-1]
    counts = re.search(r"audited (\d+) of (\d+) dependencies", last)
    assert counts, last
    assert int(counts.group(2)) == len(report["dependencies"]) > 0
    audited = int(counts.group(1))
    assert audited == len(parsed.audited)
    assert ("passed" in last) == (audited == len(report["dependencies"]) and not parsed.vulnerabilities)
    assert code == (audit.EXIT_FINDINGS if parsed.vulnerabilities else audit.EXIT_CLEAN)
