"""Cost of the policy pack over N resources through the analyzer protocol (prints, never asserts).

    .venv/bin/python benchmarks/policy_pack.py [--resources 1000]

Generates N hardened Deployments (plus their stack), starts the pack as its own process exactly as
the engine does, and times Configure, Analyze per resource and AnalyzeStack.
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import positive_int  # noqa: E402
from offline.analyzer import PolicyPack  # noqa: E402
from offline.engine import STACK_TYPE, Resource  # noqa: E402
from offline.stackconfig import StackConfig  # noqa: E402

STACK_URN = "urn:pulumi:bench::greenlight::pulumi:pulumi:Stack::greenlight-bench"


def deployment(i: int) -> Resource:
    labels = {
        "app.kubernetes.io/name": f"svc-{i}",
        "app.kubernetes.io/instance": f"svc-{i}-bench",
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/part-of": "greenlight",
        "app.kubernetes.io/managed-by": "pulumi",
        "team": "bench",
        "cost-center": "cc-1",
    }
    container = {
        "name": "app",
        "image": "registry.example/app:1.0.0@sha256:" + "0" * 64,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    props = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"svc-{i}", "namespace": "bench", "labels": labels},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": f"svc-{i}"}},
            "template": {"metadata": {"labels": labels}, "spec": {"containers": [container]}},
        },
    }
    return Resource(
        urn=f"urn:pulumi:bench::greenlight::kubernetes:apps/v1:Deployment::svc-{i}",
        type="kubernetes:apps/v1:Deployment",
        name=f"svc-{i}",
        custom=True,
        remote=False,
        parent=STACK_URN,
        dependencies=[],
        property_dependencies={},
        provider="",
        protect=False,
        retain_on_delete=False,
        delete_before_replace=False,
        ignore_changes=[],
        aliases=[],
        inputs=props,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=positive_int, default=1000)
    args = parser.parse_args()
    stack = Resource(
        urn=STACK_URN,
        type=STACK_TYPE,
        name="greenlight-bench",
        custom=False,
        remote=False,
        parent="",
        dependencies=[],
        property_dependencies={},
        provider="",
        protect=False,
        retain_on_delete=False,
        delete_before_replace=False,
        ignore_changes=[],
        aliases=[],
        inputs={},
    )
    resources = [stack, *(deployment(i) for i in range(args.resources))]
    config = StackConfig("greenlight", "bench", {}, frozenset())
    started = time.perf_counter()
    with PolicyPack(ROOT / "policies") as pack:
        booted = time.perf_counter()
        pack.configure(ROOT / "policies" / "config" / "prod.json", config)
        configured = time.perf_counter()
        findings = sum(len(pack.analyze(r)) for r in resources[1:])
        analyzed = time.perf_counter()
        findings += len(pack.analyze_stack(resources))
        stacked = time.perf_counter()
    print(f"machine: {platform.machine()}, {platform.python_implementation()} {platform.python_version()}")
    print(f"policies: {len(pack.info.policies)}, resources: {args.resources}, findings: {findings}")
    print("| step | seconds | per resource (ms) |")
    print("| --- | ---: | ---: |")
    print(f"| start pack process | {booted - started:.2f} | |")
    print(f"| Configure | {configured - booted:.3f} | |")
    per_resource = 1000 / args.resources
    print(f"| Analyze x{args.resources} | {analyzed - configured:.2f} | {(analyzed - configured) * per_resource:.2f} |")
    print(f"| AnalyzeStack | {stacked - analyzed:.2f} | {(stacked - analyzed) * per_resource:.2f} |")


if __name__ == "__main__":
    main()
