"""Every policy, passing and failing, through the analyzer protocol the offline preview uses.

One pack process serves the whole module. Each case starts from the compliant fixture stack and
changes one thing; a failing case names the resource the finding must point at.
"""

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pulumi.runtime.proto import analyzer_pb2

from offline.analyzer import PolicyPack, Remediation, Violation, stack_part
from offline.engine import Resource
from offline.stackconfig import StackConfig, UsageError
from tests.support.policy_cases_access import ACCESS_CASES
from tests.support.policy_cases_exposure import EXPOSURE_CASES
from tests.support.policy_cases_stack import STACK_CASES
from tests.support.policy_cases_workloads import WORKLOAD_CASES
from tests.support.policy_edits import (
    NO_REMEDIATION,
    Case,
    chart_child_deployment,
    node_exporter,
    set_in,
)
from tests.support.policy_fixtures import (
    PROJECT,
    STACK,
    Spec,
    changed,
    compliant,
    resources,
    urn,
)
from tests.support.preview import ROOT

POLICIES = ROOT / "policies"
CONFIG = POLICIES / "config"


class Evaluator:
    def __init__(self, pack: PolicyPack, configs: dict[str, Path]) -> None:
        self.pack, self.env, self.configs = pack, "", configs

    def configure(self, config_file: Path) -> dict[str, str]:
        self.env = ""
        return self.pack.configure(config_file, StackConfig(PROJECT, STACK, {}, frozenset()))

    def run(self, env: str, specs: dict[str, Spec]) -> tuple[list[Violation], list[Remediation], list[Resource]]:
        if env != self.env:
            self.configure(self.configs[env])
            self.env = env
        stack = resources(specs)
        remediations = [rem for r in stack for rem in self.pack.remediate(r)]
        violations = [v for r in stack for v in self.pack.analyze(r)] + self.pack.analyze_stack(stack)
        return violations, remediations, stack


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluator]:
    strict = tmp_path_factory.mktemp("policy-config") / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory"}))
    configs = {env: CONFIG / f"{env}.json" for env in ("dev", "staging", "prod")} | {NO_REMEDIATION: strict}
    with PolicyPack(POLICIES) as pack:
        yield Evaluator(pack, configs)


# -- changes: each breaks (or bends) exactly one rule ---------------------------------------------------


CASES: dict[str, list[Case]] = {**WORKLOAD_CASES, **STACK_CASES, **ACCESS_CASES, **EXPOSURE_CASES}

ALL_CASES = [pytest.param(policy, case, id=f"{policy}: {case.id}") for policy, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("policy", "case"), ALL_CASES)
def test_policy_case(evaluator: Evaluator, policy: str, case: Case) -> None:
    specs = case.build()
    violations, _, _ = evaluator.run(case.env, specs)
    found = [v for v in violations if v.policy == policy]
    if not case.fires:
        assert not found, [v.message for v in found]
        return
    assert found, f"{policy} did not fire; got {[(v.policy, v.message) for v in violations]}"
    if case.where is not None:
        expected = urn(specs[case.where], case.where, specs) if case.where else ""
        assert expected in {v.urn for v in found}, [(v.urn, v.message) for v in found]
    assert any(case.text in v.message for v in found), [v.message for v in found]


STACK_FINDINGS = [case for cases in STACK_CASES.values() for case in cases if case.fires and case.where == ""]


@pytest.mark.parametrize("case", STACK_FINDINGS, ids=[case.id for case in STACK_FINDINGS])
def test_analyze_stack_sent_in_parts_is_the_same_request_with_the_same_answer(evaluator: Evaluator, case: Case) -> None:
    """The preview sends AnalyzeStack as each resource's serialized share of the request, joined
    (offline/pack_stream.py): the pack must parse the message stack_request builds, and answer the same."""
    _, _, stack = evaluator.run(case.env, case.build())
    parts = [stack_part(evaluator.pack.stack_item(r)) for r in stack]
    assert analyzer_pb2.AnalyzeStackRequest.FromString(b"".join(parts)) == evaluator.pack.stack_request(stack)
    answer = evaluator.pack.analyze_stack_parts(parts)
    assert answer, "a stack-level case must find something"
    assert answer == evaluator.pack.analyze_stack(stack)


@pytest.mark.parametrize("env", ["dev", "staging", "prod", NO_REMEDIATION])
def test_compliant_stack_has_no_findings_in_any_environment(evaluator: Evaluator, env: str) -> None:
    violations, remediations, _ = evaluator.run(env, compliant())
    assert [(v.policy, v.message) for v in violations] == []
    assert remediations == []


def test_registry_every_policy_has_metadata_and_both_kinds_of_case(evaluator: Evaluator) -> None:
    info = evaluator.pack.info
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names))
    for p in info.policies:
        assert p.name.replace("-", "").isalnum() and p.name == p.name.lower(), p.name
        assert p.description.startswith("Checks that "), p.name
        assert p.severity != 0, f"{p.name}: no severity"
        assert len(p.remediation_steps) > 20, p.name
        assert p.url.endswith(f"policies/README.md#{p.name}"), p.name
        cases = CASES.get(p.name, [])
        assert any(c.fires for c in cases), f"{p.name}: no violating case"
    # The compliant stack passes every policy (test above); some policies add their own passing variants.
    assert set(CASES) == set(names)


def test_policy_docs_have_a_section_per_policy_with_its_fix(evaluator: Evaluator) -> None:
    readme = (POLICIES / "README.md").read_text()
    for p in evaluator.pack.info.policies:
        assert f"\n### {p.name}\n" in readme, p.name
        section = readme.split(f"\n### {p.name}\n", 1)[1].split("\n### ", 1)[0]
        assert section.lstrip().startswith(p.description), p.name
        assert f"\nFix: {p.remediation_steps}\n" in section, p.name


def test_chart_rendered_objects_are_judged_like_the_stacks_own(evaluator: Evaluator) -> None:
    specs = changed(chart_child_deployment)
    violations, _, _ = evaluator.run("prod", specs)
    vendor = urn(specs["vendor"], "vendor", specs)
    found = {v.policy for v in violations if v.urn == vendor}
    assert {"image-pinned", "run-as-non-root", "recommended-labels", "container-resources", "min-replicas"} <= found


def test_only_the_named_policy_is_excepted_for_the_named_object(evaluator: Evaluator) -> None:
    specs = changed(node_exporter())
    violations, _, _ = evaluator.run("prod", specs)
    exporter = urn(specs["node-exporter"], "node-exporter", specs)
    mine = {v.policy: v for v in violations if v.urn == exporter}
    assert "no-host-namespaces" not in mine and "no-host-path-volumes" not in mine  # in the table
    assert mine["chart-exceptions"].level == "advisory"
    renamed = changed(node_exporter(name="another-exporter"))  # same chart, an object the table does not name
    violations, _, _ = evaluator.run("prod", renamed)
    assert "no-host-namespaces" in {v.policy for v in violations}


def test_remediation_adds_managed_by_and_keeps_other_labels(evaluator: Evaluator) -> None:
    specs = changed(set_in("active", lambda s: s["metadata"]["labels"].pop("app.kubernetes.io/managed-by")))
    violations, remediations, stack = evaluator.run("prod", specs)
    assert [(r.policy, r.urn) for r in remediations] == [("managed-by-label", urn(specs["active"], "active", specs))]
    service = next(r for r in stack if r.name == "active")
    assert service.inputs["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "pulumi"
    assert service.inputs["metadata"]["labels"]["team"] == "payments"
    assert service.inputs["spec"]["selector"]["greenlight.dev/color"] == "blue"
    assert violations == []


def test_environment_config_drives_levels(evaluator: Evaluator) -> None:
    dev = evaluator.configure(CONFIG / "dev.json")
    prod = evaluator.configure(CONFIG / "prod.json")
    assert set(dev.values()) == {"advisory", "remediate"}
    assert prod["managed-by-label"] == "remediate"
    assert prod["chart-exceptions"] == "advisory"  # it prints what the table excepts; never blocks
    assert {level for name, level in prod.items() if name not in ("managed-by-label", "chart-exceptions")} == {
        "mandatory"
    }


def test_each_config_names_its_environment_for_every_environment_aware_policy(evaluator: Evaluator) -> None:
    aware = {p.name for p in evaluator.pack.info.policies if "environment" in p.configSchema.properties}
    assert {"image-pinned", "min-replicas", "backups-scheduled", "critical-alerts-routed"} <= aware
    for env in ("dev", "staging", "prod"):
        config = json.loads((CONFIG / f"{env}.json").read_text())
        assert {
            name for name, value in config.items() if isinstance(value, dict) and value.get("environment") == env
        } == aware, env


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"all": "mandatory", "min-replica": "advisory"}, "unknown policies min-replica"),
        ({"min-replicas": {"minReplica": 3}}, "Additional properties are not allowed"),
        ({"image-pinned": {"environment": "production"}}, "'production' is not one of"),
        ({"no-host-namespaces": {"environment": "prod"}}, "takes no properties"),
        ({"all": "strict"}, "level 'strict'"),
    ],
)
def test_config_typos_are_rejected(evaluator: Evaluator, tmp_path: Path, config: dict[str, Any], error: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(UsageError, match=error):
        evaluator.configure(path)
