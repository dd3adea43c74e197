"""checkov over rendered manifests, held to the one exceptions table (policies/greenlight_policies/exceptions.py).

`python -m scripts.checkov_gate build/rendered` runs checkov (its own virtualenv) and fails on any failed
check that the table does not except by check ID, chart, kind and name. It prints every exception that
applied, and fails on a stale one: an entry whose object was scanned and passed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "policies"))

from greenlight_policies import exceptions  # noqa: E402 - the pack's own table, importable alone

CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Offline and quiet: no platform calls, no policy downloads, no version check.
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "BC_API_KEY": ""}
CHECKOV_TIMEOUT_SECONDS = 900
Key = tuple[str, str, str]  # (chart, kind, name)


def run_checkov(directory: Path, checkov: Path = CHECKOV) -> list[dict[str, Any]]:
    """Every failed kubernetes check under `directory` (checkov exits 1 when some fail)."""
    done = subprocess.run(  # noqa: S603 - the project's own checkov, over the project's render
        [str(checkov), "--framework", "kubernetes", "-d", str(directory), "--skip-download", "-o", "json"],
        capture_output=True,
        text=True,
        env={**os.environ, **OFFLINE_ENV},
        timeout=CHECKOV_TIMEOUT_SECONDS,
        check=False,
    )
    if done.returncode not in (0, 1):
        raise SystemExit(f"checkov failed (exit {done.returncode}): {done.stderr[-2000:]}")
    reports = json.loads(done.stdout or "[]")
    reports = reports if isinstance(reports, list) else [reports]
    return [f for r in reports if r.get("check_type") == "kubernetes" for f in r["results"].get("failed_checks", [])]


def object_key(manifest: dict[str, Any]) -> Key:
    return (exceptions.chart_of(manifest), str(manifest.get("kind", "")), str(manifest["metadata"]["name"]))


def scanned_objects(directory: Path) -> dict[Path, Key]:
    """Every rendered object's (chart, kind, name) by file; chart is "" for greenlight's own."""
    files = sorted(directory.rglob("manifests/**/*.yaml"))
    return {p.resolve(): object_key(yaml.safe_load(p.read_text())) for p in files}


def judge(failed: Iterable[dict[str, Any]], by_path: dict[Path, Key]) -> tuple[list[str], list[str], list[str]]:
    """(failures not excepted, exceptions that applied, stale exceptions) as printable lines."""
    objects = set(by_path.values())
    unexcepted: list[str] = []
    used: set[exceptions.ChartException] = set()
    for f in failed:
        key = by_path.get(Path(f["file_abs_path"]).resolve(), ("", "", ""))
        exception = exceptions.lookup_check(f["check_id"], *key)
        if exception is None:
            unexcepted.append(f"{f['check_id']} {f['check_name']}: {f['resource']} ({f['file_path']})")
        else:
            used.add(exception)
    checks = exceptions.check_entries()
    applied = [e.describe() for e in checks if e in used]
    charts = {chart for chart, _, _ in objects if chart}
    stale = [
        f"stale exception: {e.policy} on {e.chart} {e.kind}/{e.name} excepts nothing; remove it from the table"
        for e in checks
        if e not in used and e.chart in charts
    ]
    return unexcepted, applied, stale


def main(argv: list[str]) -> int:
    if len(argv) != 1 or not Path(argv[0]).is_dir():
        print("usage: python -m scripts.checkov_gate RENDER_DIR", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    failed = run_checkov(directory)
    unexcepted, applied, stale = judge(failed, scanned_objects(directory))
    print(f"checkov: {len(failed)} failed checks, {len(failed) - len(unexcepted)} of them excepted")
    for line in applied:
        print(f"  excepted: {line}")
    for line in [*unexcepted, *stale]:
        print(f"  ❌ {line}")
    return 1 if unexcepted or stale else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
