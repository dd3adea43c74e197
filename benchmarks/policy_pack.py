"""Cost of the policy pack over N resources through the analyzer protocol (prints, never asserts).

    .venv/bin/python benchmarks/policy_pack.py [--resources 1000]

Generates N hardened Deployments (benchmarks/synthetic.py) plus their stack, starts the pack as its own
process exactly as the engine does, and times each step of `offline.analyzer.run_pack`: Configure,
Remediate and Analyze per resource (calls pipelined), AnalyzeStack. The Deployments have no PDB,
monitor or alerts, so the stack policies report findings for each: the expensive path.
"""

from __future__ import annotations

import argparse
import itertools
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import machine, positive_int  # noqa: E402
from benchmarks.synthetic import deployment  # noqa: E402
from offline.analyzer import PolicyPack  # noqa: E402
from offline.engine import STACK_TYPE, Resource  # noqa: E402
from offline.stackconfig import StackConfig  # noqa: E402

STACK_URN = "urn:pulumi:bench::greenlight::pulumi:pulumi:Stack::greenlight-bench"


def resource(urn: str, type_: str, name: str, parent: str, inputs: dict[str, object]) -> Resource:
    return Resource(
        urn=urn,
        type=type_,
        name=name,
        custom=type_ != STACK_TYPE,
        remote=False,
        parent=parent,
        dependencies=[],
        property_dependencies={},
        provider="",
        protect=False,
        retain_on_delete=False,
        delete_before_replace=False,
        ignore_changes=[],
        aliases=[],
        inputs=inputs,
    )


def stack_of(count: int) -> list[Resource]:
    deployments = [
        resource(
            f"urn:pulumi:bench::greenlight::kubernetes:apps/v1:Deployment::svc-{i}",
            "kubernetes:apps/v1:Deployment",
            f"svc-{i}",
            STACK_URN,
            deployment(i),
        )
        for i in range(count)
    ]
    return [resource(STACK_URN, STACK_TYPE, "greenlight-bench", "", {}), *deployments]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--resources", type=positive_int, default=1000)
    args = parser.parse_args()
    resources = stack_of(args.resources)
    config = StackConfig("greenlight", "bench", {}, frozenset())
    marks = [("", time.perf_counter())]
    with PolicyPack(ROOT / "policies") as pack:
        marks.append(("start pack process", time.perf_counter()))
        pack.configure(ROOT / "policies" / "config" / "prod.json", config)
        marks.append(("Configure", time.perf_counter()))
        analyzed = resources[1:]
        stack_request = pack.stack_request(resources)
        encoded = {item.urn: item.properties for item in stack_request.resources}
        marks.append((f"encode x{args.resources}", time.perf_counter()))
        pack.remediate_all(analyzed, encoded)
        marks.append((f"Remediate x{args.resources}", time.perf_counter()))
        findings = len(pack.analyze_all(analyzed, encoded))
        marks.append((f"Analyze x{args.resources}", time.perf_counter()))
        findings += len(pack.analyze_stack(resources, stack_request))
        marks.append(("AnalyzeStack", time.perf_counter()))
    print(f"machine: {machine()}")
    print(f"policies: {len(pack.info.policies)}, resources: {args.resources}, findings: {findings}\n")
    print("| step | seconds | per resource (ms) |")
    print("| --- | ---: | ---: |")
    for (_, before), (step, after) in itertools.pairwise(marks):
        per = "" if step in ("start pack process", "Configure") else f"{1000 * (after - before) / args.resources:.2f}"
        print(f"| {step} | {after - before:.3f} | {per} |")
    print(f"| all | {marks[-1][1] - marks[0][1]:.3f} | |")


if __name__ == "__main__":
    main()
