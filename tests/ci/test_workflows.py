"""The GitHub Actions workflows: linted by zizmor and the workflow schema, and hardened as README promises."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings.model.release import MAX_CANARY_TOTAL_PAUSE_SECONDS
from tests.support.tools import require_tool

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in ROOT.glob("Pulumi.*.yaml"))
FULL_SHA_PIN = re.compile(r"^[^@\s]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+\.\d+\.\d+\b")
TIMEOUT_SECONDS = 120
# GitHub Actions usage limits: a job on a GitHub-hosted runner runs at most 6 hours.
GITHUB_HOSTED_JOB_LIMIT_MINUTES = 360


def load(path: Path) -> dict[str, Any]:
    # PyYAML reads the key `on` as True (YAML 1.1); put it back under its name.
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if True in document:
        document["on"] = document.pop(True)
    return dict(document)


def workflows() -> dict[str, dict[str, Any]]:
    return {path.name: load(path) for path in WORKFLOW_FILES}


def steps() -> Iterator[tuple[str, str, dict[str, Any]]]:
    for name, workflow in workflows().items():
        for job_id, job in workflow["jobs"].items():
            for step in job.get("steps", []):
                yield name, job_id, step


def venv_tool(name: str) -> str:
    """The tool installed beside this interpreter (.venv/bin), else on PATH."""
    beside = Path(sys.executable).parent / name
    return require_tool(str(beside) if beside.exists() else name)


def test_the_workflows_exist() -> None:
    assert {"pr.yml", "deploy.yml", "release-stack.yml", "security.yml"} <= {p.name for p in WORKFLOW_FILES}


def test_zizmor_offline_reports_nothing() -> None:
    zizmor = venv_tool("zizmor")
    result = subprocess.run(
        [zizmor, "--offline", "--format", "json", str(WORKFLOWS.parent)],  # workflows and dependabot.yml
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    findings = json.loads(result.stdout or "[]")
    summary = [f"{f['ident']}: {f['desc']}" for f in findings]
    assert result.returncode == 0 and not findings, summary or result.stderr


def test_workflows_match_the_github_workflow_schema() -> None:
    checker = venv_tool("check-jsonschema")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.github-workflows", *map(str, WORKFLOW_FILES)],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema() -> None:
    checker = venv_tool("check-jsonschema")
    result = subprocess.run(
        [checker, "--builtin-schema", "vendor.dependabot", str(ROOT / ".github" / "dependabot.yml")],
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_action_is_pinned_to_a_full_commit_sha_with_its_version() -> None:
    for path in WORKFLOW_FILES:
        for line in path.read_text(encoding="utf-8").splitlines():
            match = re.match(r"^\s*(?:-\s+)?uses:\s*(\S+)", line)
            if not match or match.group(1).startswith("./"):
                continue  # `./` is this repository at this commit
            assert FULL_SHA_PIN.match(match.group(1)), f"{path.name}: not pinned to a 40-hex SHA: {line.strip()}"
            assert VERSION_COMMENT.search(line), f"{path.name}: missing '# vX.Y.Z' comment: {line.strip()}"


def test_each_action_is_pinned_to_one_sha_everywhere() -> None:
    pins: dict[str, set[str]] = {}
    for _, _, step in steps():
        if "uses" in step and "@" in step["uses"]:
            action, ref = step["uses"].split("@", 1)
            pins.setdefault(action, set()).add(ref)
    assert {action: refs for action, refs in pins.items() if len(refs) > 1} == {}


def test_permissions_are_empty_at_the_top_and_declared_per_job() -> None:
    for name, workflow in workflows().items():
        assert workflow.get("permissions") == {}, f"{name}: top-level permissions must be {{}}"
        for job_id, job in workflow["jobs"].items():
            assert "permissions" in job, f"{name}: job {job_id} must declare its permissions"
            assert "write-all" not in str(job["permissions"]), f"{name}: job {job_id}"


def test_only_commenting_jobs_may_write_pull_requests() -> None:
    writers = {
        (name, job_id)
        for name, workflow in workflows().items()
        for job_id, job in workflow["jobs"].items()
        if (job.get("permissions") or {}).get("pull-requests") == "write"
    }
    assert writers == {("pr.yml", "comment"), ("pr.yml", "pulumi-preview")}


def test_no_untrusted_expression_is_expanded_inside_run_scripts() -> None:
    for name, job_id, step in steps():
        assert "${{" not in step.get("run", ""), f"{name}/{job_id}: pass values to run: via env"


def test_checkouts_do_not_persist_credentials() -> None:
    checkouts = [
        (name, job_id, step) for name, job_id, step in steps() if step.get("uses", "").startswith("actions/checkout@")
    ]
    assert checkouts, "no actions/checkout step found: the check would pass on nothing"
    for name, job_id, step in checkouts:
        assert step.get("with", {}).get("persist-credentials") is False, f"{name}/{job_id}"


def test_pull_request_target_is_never_used() -> None:
    for name, workflow in workflows().items():
        assert "pull_request_target" not in workflow["on"], name


def test_pr_workflow_previews_every_stack_with_its_policy_pack_config() -> None:
    pr = workflows()["pr.yml"]
    preview = pr["jobs"]["preview"]
    assert sorted(preview["strategy"]["matrix"]["stack"]) == STACKS
    script = " ".join(step.get("run", "") for step in preview["steps"])
    assert "--policy-pack policies" in script and '--policy-pack-config "policies/config/$STACK.json"' in script
    for stack in STACKS:
        assert (ROOT / "policies" / "config" / f"{stack}.json").is_file()


def test_pr_workflow_runs_pulumi_preview_only_with_credentials() -> None:
    job = workflows()["pr.yml"]["jobs"]["pulumi-preview"]
    assert "vars.PULUMI_ENABLED == 'true'" in job["if"]
    pulumi = next(step for step in job["steps"] if step.get("uses", "").startswith("pulumi/actions@"))
    assert pulumi["with"]["command"] == "preview"
    assert pulumi["with"]["comment-on-pr"] is True
    assert pulumi["with"]["policyPacks"] == "policies"
    assert pulumi["with"]["policyPackConfigs"] == "policies/config/${{ matrix.stack }}.json"


def test_deploy_goes_dev_then_staging_then_prod_behind_the_production_environment() -> None:
    jobs = workflows()["deploy.yml"]["jobs"]
    assert workflows()["deploy.yml"]["on"] == {"push": {"branches": ["main"]}, "workflow_dispatch": {}}
    assert jobs["dev"]["needs"] == "build"
    assert "dev" in jobs["staging"]["needs"] and "staging" in jobs["prod"]["needs"]
    assert [jobs[s]["with"]["stack"] for s in ("dev", "staging", "prod")] == ["dev", "staging", "prod"]
    assert jobs["prod"]["with"]["environment"] == "production"
    built = next(s for s in jobs["build"]["steps"] if s.get("uses", "").startswith("docker/build-push-action@"))
    assert built["with"]["push"] is True and jobs["build"]["outputs"]["image"]


def test_release_jobs_are_serialized_per_stack_and_never_cancelled() -> None:
    job = workflows()["release-stack.yml"]["jobs"]["release"]
    assert job["concurrency"] == {"group": "deploy-${{ inputs.stack }}", "cancel-in-progress": False}
    assert job["environment"]["name"] == "${{ inputs.environment }}"
    assert any("scripts.release" in step.get("run", "") for step in job["steps"])


def test_a_release_job_outlasts_the_longest_canary_the_settings_allow() -> None:
    """Every pause the settings allow, plus an hour for rollouts and gates (a job cut short is resumed by a rerun)."""
    job = workflows()["release-stack.yml"]["jobs"]["release"]
    assert job["timeout-minutes"] * 60 >= MAX_CANARY_TOTAL_PAUSE_SECONDS + 3600
    assert job["timeout-minutes"] <= GITHUB_HOSTED_JOB_LIMIT_MINUTES


@pytest.mark.parametrize("name", ["checkov", "bandit", "dependencies", "workflows"])
def test_security_workflow_has_each_scan(name: str) -> None:
    assert name in workflows()["security.yml"]["jobs"]


def test_checkov_results_go_to_code_scanning() -> None:
    job = workflows()["security.yml"]["jobs"]["checkov"]
    upload = next(s for s in job["steps"] if s.get("uses", "").startswith("github/codeql-action/upload-sarif@"))
    assert upload["with"]["sarif_file"] == "build/checkov.sarif"
    assert job["permissions"]["security-events"] == "write"
