"""Bandit over the code that ships or runs in CI; fails on any medium or high severity finding.

    python -m scripts.sast [PATH...] [--debug]

A finding counts as suppressed when its line carries bandit's `# nosec BXXX` (bandit drops those
itself) or ruff's `# noqa: SXXX` for the same rule *with a written reason* (after it on the line, or as
the comment line right above): ruff's S rules
are bandit's checks, so one reasoned suppression serves both tools.
Exit 0: no unsuppressed finding; 1: findings (listed); 2: bandit failed to run or to parse a file.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from offline.errors import UsageError, fail

ROOT = Path(__file__).resolve().parents[1]
# What deploys (components, policies, app) and what runs with credentials in CI (offline, scripts).
DEFAULT_PATHS = ("components", "offline", "policies", "app", "scripts")
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class Finding:
    test_id: str  # B108
    severity: str
    filename: str
    line_number: int
    text: str

    def __str__(self) -> str:
        return f"{self.test_id} {self.severity} {self.filename}:{self.line_number} {self.text}"


def suppressed_with_reason(finding: Finding, root: Path = ROOT) -> bool:
    """True when the line has `noqa: S<same number>` and a reason: after it, or as the comment line above."""
    lines = (root / finding.filename).read_text(encoding="utf-8").splitlines()
    index = finding.line_number - 1
    line = lines[index] if 0 <= index < len(lines) else ""
    rule = "S" + finding.test_id.removeprefix("B")
    match = re.search(r"#\s*noqa:\s*([A-Z0-9, ]+)(.*)$", line)
    if not match or rule not in re.split(r"[,\s]+", match.group(1)):
        return False
    above = lines[index - 1].strip() if index > 0 else ""
    return bool(re.search(r"[A-Za-z]{3,}", match.group(2))) or above.startswith("#")


def run_bandit(paths: tuple[str, ...], root: Path = ROOT) -> tuple[list[Finding], list[str], set[str]]:
    """(findings of medium+ severity, bandit errors, files scanned)."""
    bandit = Path(sys.executable).parent / "bandit"
    result = subprocess.run(  # noqa: S603 - fixed argv, no shell
        [str(bandit) if bandit.exists() else "bandit", "-q", "-r", *paths, "--severity-level", "medium", "-f", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    try:
        report = json.loads(result.stdout)
    except json.JSONDecodeError:
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        raise UsageError(f"bandit did not produce a report (exit {result.returncode}): {detail}") from None
    findings = [
        Finding(r["test_id"], r["issue_severity"], r["filename"], r["line_number"], r["issue_text"])
        for r in report["results"]
    ]
    errors = [f"{e['filename']}: {e['reason']}" for e in report["errors"]]
    return findings, errors, {name for name in report["metrics"] if name != "_totals"}


def main(argv: list[str] | None = None) -> int:
    args = list(argv if argv is not None else sys.argv[1:])
    debug = "--debug" in args
    paths = tuple(a for a in args if a != "--debug") or DEFAULT_PATHS
    try:
        missing = [p for p in paths if not (ROOT / p).exists()]
        if missing:
            raise UsageError(f"no such path under {ROOT}: {', '.join(missing)}")
        findings, errors, scanned = run_bandit(paths)
    except (UsageError, OSError, subprocess.SubprocessError) as err:
        return fail(err, "sast", debug)
    blocking = [f for f in findings if not suppressed_with_reason(f)]
    for finding in findings:
        print(("FAIL " if finding in blocking else "suppressed with a reason: ") + str(finding))
    for error in errors:
        print(f"ERROR {error}")
    print(f"bandit: {len(scanned)} files, {len(blocking)} blocking, {len(findings) - len(blocking)} suppressed")
    return 2 if errors else (1 if blocking else 0)


if __name__ == "__main__":
    sys.exit(main())
