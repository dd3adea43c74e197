"""Run checkov (its own virtualenv: it pins `packaging` below what pulumi needs) over manifests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Offline and quiet: no platform calls, no policy downloads, no version check.
OFFLINE_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "BC_API_KEY": ""}
TIMEOUT_SECONDS = 300


@dataclass(frozen=True)
class CheckovReport:
    passed: int
    failed: list[dict[str, Any]]
    skipped: list[dict[str, Any]]

    def failures(self) -> list[str]:
        return [f"{c['check_id']} {c['check_name']} on {c['resource']} ({c['file_path']})" for c in self.failed]


def run_checkov(files: Iterable[Path]) -> CheckovReport:
    """checkov --framework kubernetes over a directory holding exactly `files`."""
    binary = require_tool(str(CHECKOV))
    with tempfile.TemporaryDirectory() as tmp:
        for f in files:
            shutil.copy(f, Path(tmp) / f"{f.parent.name}-{f.name}")
        env = {**os.environ, **OFFLINE_ENV}
        result = subprocess.run(
            [binary, "--framework", "kubernetes", "-d", tmp, "--skip-download", "-o", "json"],
            capture_output=True,
            text=True,
            env=env,
            timeout=TIMEOUT_SECONDS,
            check=False,
        )
    # exit 1 means "failed checks"; anything else non-zero is checkov itself failing.
    assert result.returncode in (0, 1), result.stderr[-2000:]
    report = json.loads(result.stdout)
    reports = report if isinstance(report, list) else [report]
    passed, failed, skipped = 0, [], []
    for r in reports:
        if r.get("check_type") != "kubernetes":
            continue
        passed += len(r["results"].get("passed_checks", []))
        failed += r["results"].get("failed_checks", [])
        skipped += r["results"].get("skipped_checks", [])
    return CheckovReport(passed, failed, skipped)


def component_manifest_files(preview: Any, component_type: str) -> list[Path]:
    """Rendered files of every Kubernetes object registered under a component of `component_type`."""
    from offline.engine import plain
    from offline.render import is_manifest, manifest_path

    by_urn = preview.by_urn()

    def under_component(resource: Any) -> bool:
        parent = by_urn.get(resource.parent)
        while parent is not None:
            if parent.type == component_type:
                return True
            parent = by_urn.get(parent.parent)
        return False

    files = [
        preview.out / manifest_path(plain(r.inputs), r.name)
        for r in preview.resources
        if is_manifest(r) and under_component(r)
    ]
    assert files, f"no manifests under {component_type} in {preview.out}"
    return sorted(files)
