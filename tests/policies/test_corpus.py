"""A corpus of non-compliant programs, kept apart from the policy cases: each changes one thing in a real,
compliant Pulumi program (corpus/twin/), runs through the offline preview's engine, and must be caught by
the prod pack with a mandatory violation that names the problem; the twin itself passes clean. Many
cases register their object another way than its typed class (a yaml ConfigGroup or ConfigFile, v1 and
v2, or the team's own Helm chart, expanded by the real helm): the pack judges what is deployed, whatever
registered it, and the twin passes clean by each route too. Every object is also one the API server
would accept (kubernetes-validate --strict): the pack, not the schema, is what stops them."""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml
from greenlight_policies import budgets, configmaps, host, identity, namespaces, services
from kubernetes_validate import utils as kv_utils

from offline import helm
from offline.__main__ import main
from offline.analyzer import PolicyPack, Remediation, Violation
from offline.charts import ChartExpander, ChartSources
from offline.engine import Resource, plain, run_program
from offline.stackconfig import load
from tests.policies.corpus.twin.twin_changes import ROUTES
from tests.policies.corpus.twin.twin_manifests import manifests
from tests.support.pack_answers import run_all
from tests.support.preview import ROOT
from tests.support.tools import missing_tool

CORPUS = Path(__file__).parent / "corpus"
TWIN = CORPUS / "twin"
POLICIES = ROOT / "policies"
PROD_CONFIG = POLICIES / "config" / "prod.json"
CASES = yaml.safe_load((CORPUS / "noncompliant_programs.yaml").read_text())
CHARTS = TWIN / "charts"  # the team's own chart (web-extras); the upstream charts stay unexpanded here
CUSTOM_GROUPS = ("monitoring.coreos.com/",)  # no schema in kubernetes-validate; the CRD tests judge these
HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


@pytest.fixture(scope="module")
def pack() -> Iterator[PolicyPack]:
    with PolicyPack(POLICIES) as running:
        yield running


def judged(pack: PolicyPack, *overrides: str) -> tuple[list[Violation], list[Remediation], list[Resource]]:
    """The twin (with `overrides`) run by the offline engine, charts expanded by helm, judged by the prod pack."""
    config = load(TWIN, "prod", list(overrides))
    # Only the corpus's chart directory, never helm's cache: the upstream charts stay unexpanded wherever it runs.
    expander = ChartExpander(ChartSources(helm.find_helm(None), CHARTS, cache=None, cache_asked=True))
    resources = run_program(TWIN, config, expander)
    assert [r.error for r in expander.reports if r.error] == []
    pack.configure(PROD_CONFIG, config)
    violations, remediations = run_all(pack, resources)
    return violations, remediations, resources


def name_of(urn: str) -> str:
    return urn.rsplit("::", 1)[-1] if urn else ""


def kubernetes_objects(resources: list[Resource]) -> list[dict[str, Any]]:
    """Every object registered, as the provider would send it (secret values as placeholders)."""
    found = []
    for r in resources:
        inputs = plain(r.inputs, redact="placeholder")
        if isinstance(inputs, dict) and inputs.get("apiVersion") and inputs.get("kind"):
            found.append(inputs)
    return found


def schema_errors(objects: list[dict[str, Any]]) -> list[str]:
    errors = []
    for obj in objects:
        if str(obj["apiVersion"]).startswith(CUSTOM_GROUPS):
            continue
        try:
            kubernetes_validate.validate(obj, kv_utils.latest_version(), strict=True)
        except kubernetes_validate.ValidationError as e:
            errors.append(f"{obj['kind']} {obj['metadata']['name']}: {e.message} at {list(e.path)}")
    return errors


def test_the_corpus_is_as_large_as_promised_and_covers_every_new_policy_and_route() -> None:
    ids = [case["id"] for case in CASES]
    assert len(ids) >= 40 and len(set(ids)) == len(ids)
    caught = {case["caught"]["policy"] for case in CASES}
    modules = (budgets, configmaps, host, identity, namespaces, services)
    assert {p.name for m in modules for p in m.POLICIES} <= caught
    # Every way an object reaches the cluster besides its typed class, and every host namespace.
    assert set(ROUTES) <= {operation for case in CASES for operation in case["change"]}
    host_cases = [case for case in CASES if case["caught"]["policy"] == "no-host-namespaces"]
    assert all(any(f"remove {field}" == c["caught"]["says"] for c in host_cases) for field in HOST_NAMESPACES)


def needs_helm(operations: Iterable[str]) -> None:
    if "chart" in operations and helm.find_helm(None) is None:
        missing_tool("helm not found (run `make helm`): the team's own chart is expanded by helm")


@pytest.mark.parametrize("route", ROUTES)
def test_the_twin_passes_clean_whichever_route_registers_its_objects(pack: PolicyPack, route: str) -> None:
    needs_helm([route])
    violations, remediations, resources = judged(pack, f"twin:route={route}")
    assert [(v.policy, v.message) for v in violations] == []
    assert remediations == []
    # Every object but the protected claim (which stays typed, as protect needs) came through the route.
    components = {r.urn for r in resources if r.type.startswith(("kubernetes:yaml", "kubernetes:helm.sh"))}
    children = [r for r in resources if r.parent in components]
    assert len(children) == len(manifests("shop")) - 1


def test_the_twin_passes_the_prod_pack_clean(pack: PolicyPack) -> None:
    violations, remediations, resources = judged(pack)
    assert [(v.policy, v.message) for v in violations] == []
    assert remediations == []
    objects = kubernetes_objects(resources)
    assert len(objects) >= 15
    assert schema_errors(objects) == []


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_a_noncompliant_program_is_caught_naming_the_problem(pack: PolicyPack, case: dict[str, Any]) -> None:
    needs_helm(case["change"])
    violations, remediations, resources = judged(pack, f"twin:case={case['id']}")
    caught = case["caught"]
    found = [v for v in violations if v.policy == caught["policy"]]
    assert found, f"{caught['policy']} did not fire; got {[(v.policy, v.message) for v in violations]}"
    assert any(
        v.level == "mandatory" and name_of(v.urn) == caught["resource"] and caught["says"] in v.message for v in found
    ), [(v.level, name_of(v.urn), v.message) for v in found]
    # One change: only the policies the case names fire, and nothing was left for remediation to fix.
    assert {v.policy for v in violations} == {caught["policy"], *case.get("also", [])}
    assert remediations == []
    assert schema_errors(kubernetes_objects(resources)) == []


def test_the_offline_preview_exits_1_on_a_case_and_0_on_the_twin(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HELM_REPOSITORY_CACHE", str(tmp_path))  # no upstream chart from this machine's cache

    def preview(*extra: str) -> tuple[int, dict[str, Any]]:
        out = io.StringIO()
        argv = ["preview", "--stack", "prod", "--cwd", str(TWIN), "--policy-pack", str(POLICIES)]
        argv += ["--charts", str(CHARTS)]
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
            code = main([*argv, "--policy-pack-config", str(PROD_CONFIG), "--json", *extra])
        return code, json.loads(out.getvalue())

    code, report = preview()
    assert (code, report["violations"]) == (0, [])
    code, report = preview("--config", "twin:case=hostPort on the app container")
    assert code == 1
    assert [(v["policy"], v["level"]) for v in report["violations"]] == [("no-host-ports", "mandatory")]


def test_a_case_the_corpus_does_not_have_is_an_error_naming_it(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["preview", "--stack", "prod", "--cwd", str(TWIN), "--config", "twin:case=no such case"])
    err = capsys.readouterr().err
    assert code == 2
    assert "'no such case' is not a case of noncompliant_programs.yaml" in err
