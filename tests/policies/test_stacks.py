"""The pack against whole programs: this repository's stacks are clean, the non-compliant example is not."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator

import pytest

from offline.__main__ import main
from offline.analyzer import PolicyPack
from offline.stackconfig import load
from tests.support.preview import ROOT, preview

POLICIES = ROOT / "policies"
NONCOMPLIANT = ROOT / "tests" / "noncompliant"


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(POLICIES) as running:
        yield running


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_repository_stacks_have_no_findings_under_their_own_config(pack: PolicyPack, stack: str) -> None:
    pack.configure(POLICIES / "config" / f"{stack}.json", load(ROOT, stack, []))
    # Remediation rewrites inputs in place: work on copies of the cached preview.
    resources = [dataclasses.replace(r, inputs=json.loads(json.dumps(r.inputs))) for r in preview(stack).resources]
    remediations = [rem for r in resources for rem in pack.remediate(r)]
    violations = [v for r in resources for v in pack.analyze(r)] + pack.analyze_stack(resources)
    assert [(v.policy, v.level, v.message) for v in violations] == []
    assert remediations == []


@pytest.fixture(scope="module")
def noncompliant_report() -> tuple[int, dict]:  # type: ignore[type-arg]
    import contextlib
    import io

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            [
                "preview",
                "--stack",
                "dev",
                "--cwd",
                str(NONCOMPLIANT),
                "--policy-pack",
                str(POLICIES),
                "--policy-pack-config",
                str(POLICIES / "config" / "prod.json"),
                "--json",
            ]
        )
    return code, json.loads(out.getvalue())


def test_noncompliant_example_fails_with_a_finding_from_every_policy(
    pack: PolicyPack,
    noncompliant_report: tuple[int, dict],  # type: ignore[type-arg]
) -> None:
    code, report = noncompliant_report
    assert code == 1
    fired = {v["policy"] for v in report["violations"]} | {r["policy"] for r in report["remediations"]}
    # chart-exceptions only prints what the table excepts for expanded chart objects (its cases are in
    # test_policies_protocol); this program's charts are not expanded here.
    assert fired == {p.name for p in pack.info.policies} - {"chart-exceptions"}


def test_noncompliant_findings_name_the_resource_and_the_fix(
    noncompliant_report: tuple[int, dict],  # type: ignore[type-arg]
) -> None:
    _, report = noncompliant_report
    urns = {r["urn"] for r in report["resources"]}
    by_policy = {v["policy"]: v for v in report["violations"]}
    deployment = next(u for u in urns if u.endswith("Deployment::orders"))
    assert by_policy["no-literal-secret-env"]["urn"] == deployment
    assert "valueFrom.secretKeyRef" in by_policy["no-literal-secret-env"]["message"]
    assert by_policy["no-public-load-balancer"]["urn"].endswith("Service::orders-public")
    assert by_policy["stateful-protected"]["urn"].endswith("Cluster::orders-db")
    assert "protect=True" in by_policy["stateful-protected"]["message"]
    for v in report["violations"]:
        assert v["level"] == "mandatory"
        assert v["urn"] in urns or v["policy"] in ("critical-alerts-routed", "logging-stack"), v
        fix = v["message"].split("\n", 1)[1]  # line 1 is the description, then the imperative fix
        assert fix and fix[0].isupper(), v


def test_noncompliant_text_report_exits_1(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(
        [
            "preview",
            "--stack",
            "dev",
            "--cwd",
            str(NONCOMPLIANT),
            "--policy-pack",
            str(POLICIES),
            "--policy-pack-config",
            str(POLICIES / "config" / "prod.json"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 1
    assert "❌ [mandatory]  image-pinned  (kubernetes:apps/v1:Deployment: orders)" in out
    assert "🔧 [remediated]  managed-by-label  (kubernetes:apps/v1:Deployment: orders)" in out
