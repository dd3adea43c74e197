"""The real `helm` binary and the charts it expands: where they are, and `helm template` as the provider runs it.

pulumi-kubernetes' helm.v4.Chart (provider/pkg/provider/helm/v4/chart.go) renders with Helm's template
action: the release name and namespace given, `IncludeCRDs = !skipCrds`, `DisableHooks = true` (hooks,
test hooks included, never reach the manifest). `helm template --no-hooks [--include-crds]` prints the
same manifest.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline.errors import UsageError

# A chart as large as kube-prometheus-stack renders in a few seconds; a hung helm must not hang CI.
HELM_TIMEOUT_SECONDS = 300
# Where `make helm` puts the pinned helm (scripts/install_helm.py); used when PATH has none.
PROJECT_HELM = Path(__file__).resolve().parent.parent / ".tools" / "bin" / "helm"


class HelmError(Exception):
    """helm refused the chart or its values; the message is helm's own."""


def find_helm(given: Path | None) -> str | None:
    """`--helm PATH` (must work), else `helm` on PATH, else the project's pinned copy; None when there is none."""
    if given is not None:
        if not (given.is_file() and os.access(given, os.X_OK)):
            raise UsageError(f"--helm {given}: not an executable file")
        return str(given.resolve())
    on_path = shutil.which("helm")
    if on_path:
        return on_path
    return str(PROJECT_HELM) if PROJECT_HELM.is_file() and os.access(PROJECT_HELM, os.X_OK) else None


def repository_cache(helm: str) -> Path | None:
    """helm's repository cache (`helm env HELM_REPOSITORY_CACHE`), where `helm pull`/`install` keep chart archives."""
    try:
        done = subprocess.run(
            [helm, "env", "HELM_REPOSITORY_CACHE"], capture_output=True, text=True, timeout=HELM_TIMEOUT_SECONDS
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    path = done.stdout.strip()
    return Path(path) if done.returncode == 0 and path else None


@dataclass(frozen=True)
class LocatedChart:
    path: Path
    version: str  # the version found, which may differ from the pinned one (see note)
    note: str  # "" when the pinned version was found


def _chart_version(chart_dir: Path) -> str:
    try:
        meta = yaml.safe_load((chart_dir / "Chart.yaml").read_text()) or {}
    except (OSError, yaml.YAMLError):
        return ""
    return str(meta.get("version") or "")


def chart_basename(chart: str) -> str:
    """`oci://ghcr.io/grafana/helm-charts/loki`, `grafana/loki` or `loki` -> `loki`."""
    return chart.rstrip("/").rsplit("/", 1)[-1]


def locate_chart(chart: str, version: str, charts_dir: Path | None, cache: Path | None) -> LocatedChart | None:
    """The chart archive or directory to expand, looked for as `helm pull` and `helm repo` leave them.

    In DIR: `<chart>-<version>.tgz`, `<chart>-<version>/` or `<chart>/` (any version: a note says which);
    then helm's repository cache: `<chart>-<version>.tgz`.
    """
    name = chart_basename(chart)
    exact = [
        *([charts_dir / f"{name}-{version}.tgz", charts_dir / f"{name}-{version}"] if charts_dir else []),
        *([cache / f"{name}-{version}.tgz"] if cache else []),
    ]
    for candidate in exact:
        if candidate.is_file() or (candidate / "Chart.yaml").is_file():
            return LocatedChart(candidate, version, "")
    if charts_dir and (charts_dir / name / "Chart.yaml").is_file():
        found = _chart_version(charts_dir / name)
        note = "" if found == version else f"expanded {name} {found} from {charts_dir / name}: pinned {version}"
        return LocatedChart(charts_dir / name, found, note)
    return None


def template(
    helm: str,
    release: str,
    chart: Path,
    namespace: str,
    values: dict[str, Any],
    include_crds: bool,
    api_versions: list[str],
) -> str:
    """`helm template` as the provider runs it; raises HelmError with helm's message when helm refuses."""
    with tempfile.TemporaryDirectory(prefix="greenlight-helm-") as scratch:
        values_file = Path(scratch) / "values.json"  # JSON is YAML: helm reads it as given
        values_file.write_text(json.dumps(values))
        command = [helm, "template", release, str(chart), "--namespace", namespace, "--no-hooks"]
        command += ["--values", str(values_file)]
        command += ["--include-crds"] if include_crds else []
        for api_version in api_versions:
            command += ["--api-versions", api_version]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=HELM_TIMEOUT_SECONDS)
        except subprocess.TimeoutExpired:
            raise HelmError(f"helm template did not finish in {HELM_TIMEOUT_SECONDS}s") from None
    if done.returncode != 0:
        raise HelmError(done.stderr.strip() or f"helm template exited {done.returncode}")
    return done.stdout
