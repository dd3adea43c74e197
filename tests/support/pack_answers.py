"""What the policy pack answers, as data: every policy case, the compliant stack, and whole programs.

tests/fixtures/pack_answers.json holds these answers as the pack gave them before it was made faster
(recorded by the code of that time); tests/policies/test_answers.py checks today's pack gives the same.
Re-record only when an answer is meant to change, and say why in the commit:

    .venv/bin/python -m tests.support.pack_answers --write
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from offline.analyzer import PolicyPack, Remediation, Violation
from offline.engine import STACK_TYPE, Resource
from offline.stackconfig import StackConfig, load
from tests.support.policy_fixtures import PROJECT, STACK, compliant
from tests.support.preview import ROOT, preview

POLICIES = ROOT / "policies"
CONFIGS = POLICIES / "config"
FIXTURE = ROOT / "tests" / "fixtures" / "pack_answers.json"
NONCOMPLIANT = ROOT / "tests" / "noncompliant"
STRICT = {"all": "mandatory"}  # every policy reports, none remediates
ENVIRONMENTS = ("dev", "staging", "prod")
SCALE_DOWN_IDLE = "greenlight:release.scaleDownIdle=true"
# Whole programs: (label, program dir, stack, --config overrides, pack config). Overrides that break a
# rule make the stack's answers non-empty, so a changed answer on a real program shows.
PROGRAMS: list[tuple[str, Path, str, tuple[str, ...], str]] = [
    *[(f"{env} stack, {env} config", ROOT, env, (), env) for env in ENVIRONMENTS],
    ("prod stack, strict config", ROOT, "prod", (), "strict"),
    # prod settings refuse scaleDownIdle (#14): staging may use it, and the prod pack still refuses what it renders
    ("staging stack, idle track scaled down, prod config", ROOT, "staging", (SCALE_DOWN_IDLE,), "prod"),
    ("dev stack, prod config", ROOT, "dev", (), "prod"),
    ("staging stack, prod config", ROOT, "staging", (), "prod"),
    ("noncompliant program, prod config", NONCOMPLIANT, "dev", (), "prod"),
    ("noncompliant program, dev config", NONCOMPLIANT, "dev", (), "dev"),
]


def _resource_id(urn: str) -> str:
    """`type::name` of a URN: stable when a component's parent chain is restructured."""
    return "::".join(urn.split("::")[-2:]) if urn else ""


def answer(violations: list[Violation], remediations: list[Remediation], short_urns: bool = False) -> dict[str, Any]:
    """The pack's answer as sorted plain data (the order of findings is not part of the answer)."""
    name = _resource_id if short_urns else (lambda urn: urn)
    return {
        "violations": sorted([v.policy, v.level, name(v.urn), v.message] for v in violations),
        "remediations": sorted([r.policy, name(r.urn), r.description] for r in remediations),
    }


def run_all(pack: PolicyPack, resources: list[Resource]) -> tuple[list[Violation], list[Remediation]]:
    """Remediate and Analyze each resource, then AnalyzeStack: what `offline.analyzer.run_pack` does."""
    analyzed = [r for r in resources if r.type != STACK_TYPE]
    remediations = [rem for r in analyzed for rem in pack.remediate(r)]
    violations = [v for r in analyzed for v in pack.analyze(r)] + pack.analyze_stack(resources)
    return violations, remediations


class Answers:
    """One running pack, configured per environment as needed."""

    def __init__(self, pack: PolicyPack, strict_config: Path) -> None:
        self.pack = pack
        self.configs = {env: CONFIGS / f"{env}.json" for env in ENVIRONMENTS} | {"strict": strict_config}

    def configure(self, config: str, stack: StackConfig) -> None:
        self.pack.configure(self.configs[config], stack)

    def cases(self) -> Iterator[tuple[str, dict[str, Any]]]:
        from tests.policies.test_protocol import CASES
        from tests.support.policy_edits import NO_REMEDIATION
        from tests.support.policy_fixtures import resources

        fixture_stack = StackConfig(PROJECT, STACK, {}, frozenset())
        envs = {NO_REMEDIATION: "strict"}
        for policy, cases in CASES.items():
            for case in cases:
                self.configure(envs.get(case.env, case.env), fixture_stack)
                yield f"case {policy}: {case.id} ({case.env})", answer(*run_all(self.pack, resources(case.build())))
        for env in (*ENVIRONMENTS, "strict"):
            self.configure(env, fixture_stack)
            yield f"compliant fixture stack ({env})", answer(*run_all(self.pack, resources(compliant())))

    def programs(self) -> Iterator[tuple[str, dict[str, Any]]]:
        for label, cwd, stack, overrides, config in PROGRAMS:
            self.configure(config, load(cwd, stack, list(overrides)))
            yield label, answer(*run_all(self.pack, previewed(cwd, stack, overrides)), short_urns=True)


def previewed(cwd: Path, stack: str, overrides: tuple[str, ...]) -> list[Resource]:
    """The program's resources, copied: remediation rewrites inputs in place, the preview is cached."""
    return [
        dataclasses.replace(r, inputs=json.loads(json.dumps(r.inputs)))
        for r in preview(stack, *overrides, cwd=cwd).resources
    ]


def collect(strict_config: Path) -> dict[str, dict[str, Any]]:
    with PolicyPack(POLICIES) as pack:
        answers = Answers(pack, strict_config)
        pairs = [*answers.cases(), *answers.programs()]
    labels = [label for label, _ in pairs]
    assert len(labels) == len(set(labels)), "two answers share a label"
    return dict(pairs)


def main() -> None:
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"record the answers into {FIXTURE.relative_to(ROOT)}")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        strict = Path(tmp) / "strict.json"
        strict.write_text(json.dumps(STRICT))
        data = collect(strict)
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    if args.write:
        FIXTURE.write_text(text)
        findings = sum(len(a["violations"]) + len(a["remediations"]) for a in data.values())
        print(f"recorded {len(data)} answers ({findings} findings) in {FIXTURE}")
    else:
        print(text)


if __name__ == "__main__":
    main()
