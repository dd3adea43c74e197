"""The release gate Jobs of a render, and their script run on this machine with the Job's own environment."""

from __future__ import annotations

import os
import subprocess
from typing import Any

from components.contract import COLOR_LABEL, COMPONENT_LABEL
from components.objects import gate
from tests.support.preview import Preview
from tests.support.tools import require_tool

# Timings a test run shortens (the shipped ones wait for 30 s scrapes and new pods).
FAST = {
    "READY_ATTEMPTS": "3",
    "READY_INTERVAL_SECONDS": "0.2",
    "CAPACITY_ATTEMPTS": "3",
    "CAPACITY_INTERVAL_SECONDS": "0.5",
    "JUDGE_ATTEMPTS": "10",
    "JUDGE_INTERVAL_SECONDS": "0.5",
    "JUDGE_SETTLE_SECONDS": "2",
}


def gate_jobs(p: Preview) -> list[dict[str, Any]]:
    return [j for j in p.manifests("Job") if j["metadata"]["labels"].get(COMPONENT_LABEL) == gate.GATE_COMPONENT]


def promotion_gates(p: Preview) -> list[dict[str, Any]]:
    """The promotion gate (none, or one)."""
    return [j for j in gate_jobs(p) if j["metadata"]["labels"][gate.GATE_KIND_LABEL] == gate.PROMOTION]


def promotion_gate(p: Preview) -> dict[str, Any]:
    (job,) = promotion_gates(p)
    return job


def landing_gate(p: Preview, color: str) -> dict[str, Any]:
    labels = {gate.GATE_KIND_LABEL: gate.LANDING, COLOR_LABEL: color}
    (job,) = [j for j in gate_jobs(p) if labels.items() <= j["metadata"]["labels"].items()]
    return job


def job_env(job: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}


def run_gate(env: dict[str, str], timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """The Job's command (`/bin/sh -c GATE_SCRIPT`) under this machine's POSIX sh and curl."""
    job_command = [require_tool("sh"), "-c", gate.GATE_SCRIPT]
    require_tool("curl")
    return subprocess.run(
        job_command,
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
