"""pip-audit over the pinned requirements, with a verdict that counts what was really audited.

    python -m scripts.dependency_audit [--strict] REQUIREMENTS_FILE...

pip-audit prints "No known vulnerabilities found" even when it could audit none of the packages
(an index without advisory data answers "not found" for every one). This wrapper reads pip-audit's
JSON and says how many dependencies were audited; a run that audited nothing never reads as a pass.
Exit 0: every audited dependency is clean (a partial or empty audit is reported, not hidden);
1: known vulnerabilities, or with --strict any dependency left unaudited; 2: pip-audit did not run.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from dataclasses import dataclass
from typing import Any

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2
# pip-audit queries the index per package (15 s socket timeout each, its default); 27 pins take ~15 s here.
TIMEOUT_SECONDS = 600


@dataclass(frozen=True)
class Audit:
    audited: tuple[str, ...]  # "name version" of every dependency with advisory data
    skipped: tuple[tuple[str, str], ...]  # (name, why pip-audit could not audit it)
    vulnerabilities: tuple[str, ...]  # "name version ID (fix: versions)"


def parse(report: dict[str, Any]) -> Audit:
    audited, skipped, vulnerabilities = [], [], []
    for dep in report.get("dependencies", []):
        if dep.get("skip_reason"):
            skipped.append((dep["name"], dep["skip_reason"]))
            continue
        audited.append(f"{dep['name']} {dep.get('version', '')}".strip())
        for vuln in dep.get("vulns", []):
            fixes = ", ".join(vuln.get("fix_versions", [])) or "none yet"
            vulnerabilities.append(f"{dep['name']} {dep.get('version', '')} {vuln['id']} (fix: {fixes})")
    return Audit(tuple(audited), tuple(skipped), tuple(vulnerabilities))


def verdict(audit: Audit, strict: bool) -> tuple[int, list[str]]:
    """Exit code and the lines to print; the last line is the verdict."""
    total = len(audit.audited) + len(audit.skipped)
    lines = [f"vulnerable: {v}" for v in audit.vulnerabilities]
    lines += [f"not audited: {name}: {why}" for name, why in audit.skipped]
    counted = f"audited {len(audit.audited)} of {total} dependencies"
    if audit.vulnerabilities:
        found = len(audit.vulnerabilities)
        return EXIT_FINDINGS, [*lines, f"pip-audit: FAILED, {found} known vulnerabilities ({counted})"]
    if not audit.audited:
        why = audit.skipped[0][1] if audit.skipped else "no dependencies found"
        last = f"pip-audit: NOT AUDITED, {counted}; this is not a pass (first reason: {why})"
        return (EXIT_FINDINGS if strict else EXIT_CLEAN), [*lines, last]
    if audit.skipped:
        last = f"pip-audit: PARTIAL, {counted}, no known vulnerabilities in those; the rest are listed above"
        return (EXIT_FINDINGS if strict else EXIT_CLEAN), [*lines, last]
    return EXIT_CLEAN, [*lines, f"pip-audit: passed, {counted}, no known vulnerabilities"]


def run_pip_audit(requirements: list[str]) -> dict[str, Any]:
    command = [sys.executable, "-m", "pip_audit", "--progress-spinner", "off", "--format", "json"]
    for path in requirements:
        command += ["-r", path]
    done = subprocess.run(  # noqa: S603 - fixed argv (this interpreter, pip_audit, file paths), no shell
        command, capture_output=True, text=True, timeout=TIMEOUT_SECONDS, check=False
    )
    # pip-audit exits 1 when it finds vulnerabilities; its JSON is on stdout either way.
    try:
        report: dict[str, Any] = json.loads(done.stdout)
    except json.JSONDecodeError as error:
        why = done.stderr.strip()
        raise RuntimeError(f"pip-audit exited {done.returncode} without a JSON report: {why}") from error
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.dependency_audit", description=__doc__.split("\n")[0])
    parser.add_argument("--strict", action="store_true", help="fail unless every dependency was audited")
    parser.add_argument("requirements", nargs="+", help="requirements files (pinned)")
    args = parser.parse_args(argv)
    try:
        report = run_pip_audit(args.requirements)
    except (OSError, RuntimeError, subprocess.TimeoutExpired) as error:
        print(f"pip-audit: ERROR, {error}", file=sys.stderr)
        return EXIT_ERROR
    code, lines = verdict(parse(report), args.strict)
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
