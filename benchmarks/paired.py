"""Paired figures, measured side by side in one run: the offline preview against the bare floor of as
many resources, and greenlight's policy pack against checkov on the same render (prints, never asserts).

Per stack (this repository's prod stack, then generated stacks of N apps), each a fresh process:
1. `python -m offline preview --policy-pack policies --json`, as users run it (the pack included);
2. benchmarks/stages.py: the same preview stage by stage, for the pack's own time (start-up, Configure,
   Remediate and Analyze per resource, AnalyzeStack), its peak memory, and the render checkov reads;
3. benchmarks/floor.py twice: the stack's rendered manifests registered bare with the Pulumi SDK under
   mocks (the same objects), and as many Deployments that carry only a name (issue 19's floor);
4. checkov --framework kubernetes over the rendered manifests (offline, as `make scan` runs it).
With --repeat R each is run R times and the median is shown. Wall times on a shared machine vary with
its load (printed before and after); CPU seconds vary less.
"""

from __future__ import annotations

import json
import os
import statistics
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from benchmarks.measure import Measured, machine, run_measured

ROOT = Path(__file__).resolve().parent.parent
POLICIES = ROOT / "policies"
CHECKOV = ROOT / ".venv-checkov" / "bin" / "checkov"
# Offline and quiet, as tests/helpers/checkov.py and `make scan` run it: no platform calls, no downloads.
CHECKOV_ENV = {"BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false", "BC_API_KEY": ""}
# Issue 19's targets, printed beside the figures (never asserted).
TARGET_FLOOR_MULTIPLE = 3.5
TARGET_CHECKOV_MULTIPLE = 5


@dataclass(frozen=True)
class Subject:
    label: str
    cwd: Path
    stack: str
    overrides: tuple[str, ...] = ()
    apps: int | None = None  # generated stacks: the number of apps


@dataclass
class Figures:
    subject: Subject
    preview: list[Measured] = field(default_factory=list)
    stages: list[dict[str, Any]] = field(default_factory=list)
    floor: list[Measured] = field(default_factory=list)  # the same objects
    named_floor: list[Measured] = field(default_factory=list)  # as many Deployments holding only a name
    checkov: list[Measured] = field(default_factory=list)
    checks: int = 0

    def median(self, runs: list[Measured], what: str = "seconds") -> float:
        return statistics.median(getattr(run, what) for run in runs) if runs else 0.0

    def stage(self, name: str) -> float:
        return statistics.median(float(s[name]) for s in self.stages)

    @property
    def resources(self) -> int:
        return int(self.stages[-1]["resources"])


def _preview(subject: Subject) -> Measured:
    argv = ["-m", "offline", "preview", "--stack", subject.stack, "--cwd", str(subject.cwd)]
    argv += [f"--config={o}" for o in subject.overrides]
    config = POLICIES / "config" / f"{subject.stack}.json"
    return run_measured([*argv, "--policy-pack", str(POLICIES), "--policy-pack-config", str(config), "--json"], ROOT)


def _stages(subject: Subject, out: Path, report: Path) -> dict[str, Any]:
    argv = ["-m", "benchmarks.stages", "--stack", subject.stack, "--cwd", str(subject.cwd)]
    argv += [f"--config={o}" for o in subject.overrides]
    run = run_measured([*argv, "--render", str(out), "--json", str(report)], ROOT)
    if run.exit_code != 0:
        raise SystemExit(f"benchmarks/stages.py failed on {subject.label} (exit {run.exit_code})")
    figures: dict[str, Any] = json.loads(report.read_text())
    return figures


def _floor(resources: int, manifests: Path | None) -> Measured:
    argv = ["-m", "benchmarks.floor", "--resources", str(resources)]
    return run_measured([*argv, "--manifests", str(manifests)] if manifests else argv, ROOT)


def _checkov(manifests: Path, report: Path) -> tuple[Measured, int]:
    """checkov over the manifests; the number of checks it ran (passed + failed)."""
    argv = ["--framework", "kubernetes", "-d", str(manifests), "--skip-download", "--quiet", "-o", "json"]
    argv += ["--output-file-path", str(report)]
    run = run_measured(argv, ROOT, executable=str(CHECKOV), env={**os.environ, **CHECKOV_ENV})
    found = next(report.rglob("*.json"), None) if report.is_dir() else None
    data = json.loads(found.read_text()) if found else {}
    summaries = [r.get("summary", {}) for r in (data if isinstance(data, list) else [data])]
    return run, sum(int(s.get("passed", 0)) + int(s.get("failed", 0)) for s in summaries)


def measure(subject: Subject, repeat: int) -> Figures:
    figures = Figures(subject)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        for _ in range(repeat):
            figures.preview.append(_preview(subject))
            figures.stages.append(_stages(subject, work / "render", work / "stages.json"))
            manifests = work / "render" / "manifests"
            figures.floor.append(_floor(figures.resources, manifests))
            figures.named_floor.append(_floor(figures.resources, None))
            if CHECKOV.exists():
                run, figures.checks = _checkov(manifests, work / "checkov")
                figures.checkov.append(run)
    return figures


def _ratio(numerator: float, denominator: float) -> str:
    return f"{numerator / denominator:.1f}" if denominator else "-"


def print_preview_table(rows: list[Figures]) -> None:
    print(
        "| stack | resources | preview + pack (s) | CPU (s) | floor, same objects (s) | × | floor, named "
        "Deployments (s) | × | program (s) | render (s) | peak RSS (MiB) | exit |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for f in rows:
        preview, floor, named = f.median(f.preview), f.median(f.floor), f.median(f.named_floor)
        print(
            f"| {f.subject.label} | {f.resources} | {preview:.2f} | {f.median(f.preview, 'cpu_seconds'):.2f} "
            f"| {floor:.2f} | {_ratio(preview, floor)} | {named:.2f} | {_ratio(preview, named)} "
            f"| {f.stage('program_s'):.2f} | {f.stage('render_s'):.2f} | {f.median(f.preview, 'peak_mib'):.0f} "
            f"| {f.preview[-1].exit_code} |"
        )


def print_pack_table(rows: list[Figures]) -> None:
    print(
        "| stack | manifests | pack (s) | checkov (s) | checkov ÷ pack | pack CPU (s) | checkov CPU (s) "
        "| ÷ | checkov checks | pack peak RSS (MiB) |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for f in rows:
        pack, checkov = f.stage("pack_s"), f.median(f.checkov)
        pack_cpu, checkov_cpu = f.stage("pack_cpu_s"), f.median(f.checkov, "cpu_seconds")
        print(
            f"| {f.subject.label} | {f.stages[-1]['manifests']} | {pack:.2f} | {checkov:.2f} "
            f"| {_ratio(checkov, pack)} | {pack_cpu:.2f} | {checkov_cpu:.2f} | {_ratio(checkov_cpu, pack_cpu)} "
            f"| {f.checks} | {f.stage('pack_peak_mib'):.0f} |"
        )


def print_marginal(rows: list[Figures]) -> None:
    """Cost of each added app over the smallest generated stack (its fixed costs are paid once)."""
    base = rows[0]
    assert base.subject.apps is not None
    print("| apps | preview ms per added app | floor (same objects) ms per added app | MiB per added app |")
    print("| ---: | ---: | ---: | ---: |")
    for f in rows[1:]:
        assert f.subject.apps is not None
        added = f.subject.apps - base.subject.apps
        ms = 1000 * (f.median(f.preview) - base.median(base.preview)) / added
        floor_ms = 1000 * (f.median(f.floor) - base.median(base.floor)) / added
        mib = (f.median(f.preview, "peak_mib") - base.median(base.preview, "peak_mib")) / added
        print(f"| {f.subject.apps} | {ms:.0f} | {floor_ms:.0f} | {mib:.2f} |")


def run(apps: list[int], repeat: int, generate: Callable[[Path, int], None], prod: bool = True) -> None:
    print(f"machine: {machine()}")
    print(f"runs per figure: {repeat} (median shown)\n")
    rows = [measure(Subject("prod", ROOT, "prod"), repeat)] if prod else []
    with tempfile.TemporaryDirectory() as tmp:
        for n in sorted(apps):
            program = Path(tmp) / f"apps-{n}"
            program.mkdir()
            generate(program, n)
            subject = Subject(f"{n} apps", program, "prod", ("greenlight:database.enabled=false",), n)
            rows.append(measure(subject, repeat))
    print_preview_table(rows)
    print(f"\nTarget (issue 19): preview + pack ≤ {TARGET_FLOOR_MULTIPLE}× the floor of as many resources.\n")
    print_pack_table(rows)
    print(f"\nTarget (issue 19): checkov ÷ pack ≥ {TARGET_CHECKOV_MULTIPLE}.")
    generated = [f for f in rows if f.subject.apps is not None]
    if len(generated) > 1:
        print(f"\nPer added app, over the {generated[0].subject.apps}-app stack:\n")
        print_marginal(generated)
    print(f"\nmachine at the end: {machine()}")
