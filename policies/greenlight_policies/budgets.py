"""Disruption budgets that let drains through: one budget per pod, and each one allowing an eviction.

Node drains, cluster upgrades and autoscaler scale-downs evict pods through the eviction API, which
honours PodDisruptionBudgets. It refuses outright a pod that more than one budget selects ("This pod has
more than one PodDisruptionBudget, which the eviction subresource does not support", kubernetes
pkg/registry/core/pod/storage/eviction.go), and a budget whose desired healthy count equals the pod
count never allows one: the drain waits forever. The disruption controller rounds percentages up
(pkg/controller/disruption/disruption.go, GetScaledValueFromIntOrPercent(..., roundUp=true)), so
minAvailable 60% of 2 pods is 2.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.kube import SCALABLE_KINDS, budget_selects, is_unknown
from greenlight_policies.registry import Finding, Meta, stack_policy
from greenlight_policies.reliability import amount, floor_replicas, parked
from greenlight_policies.stackview import Obj, Stack

FULL_PERCENT = 100
NOT_DRAINED = ("DaemonSet",)  # `kubectl drain --ignore-daemonsets` leaves their pods in place
# Kinds whose pod count the stack states; a Job's pods come and go, so they are not counted on.
COUNTED_KINDS = (*SCALABLE_KINDS, "Pod")


def coverage(stack: Stack) -> dict[Obj, list[Obj]]:
    """Each budget -> the stack's workloads whose pods it selects (same namespace), in stack order."""

    def build() -> dict[Obj, list[Obj]]:
        found: dict[Obj, list[Obj]] = {pdb: [] for pdb in stack.kind("PodDisruptionBudget")}
        for o in stack.objects:
            w = o.workload
            if w is None or w.kind in NOT_DRAINED:
                continue
            for pdb in stack.selecting("PodDisruptionBudget", w.pod_labels):
                if pdb.namespace == w.namespace and budget_selects(pdb.type, pdb.spec.get("selector"), w.pod_labels):
                    found[pdb].append(o)
        return found

    return stack.memo("budget-coverage", build)


def overlapping_budgets(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    budgets_of: dict[Obj, list[Obj]] = {}
    for pdb, workloads in coverage(stack).items():
        for o in workloads:
            budgets_of.setdefault(o, []).append(pdb)
    for o in stack.in_order(budgets_of):
        budgets = budgets_of[o]
        if len(budgets) > 1 and not parked(stack, o):
            pods = "the pod is" if o.kind == "Pod" else "its pods are"
            yield (
                f"{o.kind} {o.name}: {pods} selected by {len(budgets)} PodDisruptionBudgets "
                f"({', '.join(p.name for p in budgets)}); the eviction API refuses to evict a pod under more than "
                "one, so node drains stall. Keep one budget per pod: narrow the selectors or delete the extra one.",
                o.urn,
            )


def _shown(value: Any) -> str:
    return str(value) if isinstance(value, str) else str(int(value))


def _pods(stack: Stack, workloads: list[Obj]) -> tuple[int, str] | None:
    """How many pods the budget guards at the fewest, and from what; None when the stack cannot say."""
    serving = [o for o in workloads if o.kind in COUNTED_KINDS and not parked(stack, o)]
    if not serving:
        return None
    counts = [(o, *floor_replicas(stack, o)) for o in serving]
    return sum(n for _, n, _ in counts), "; ".join(f"{o.kind} {o.name} {source} {n}" for o, n, source in counts)


def _blocking(pdb: Obj, pods: tuple[int, str] | None) -> str | None:
    """What makes the budget allow no eviction, or None when it allows one (or cannot be told)."""
    max_unavailable, min_available = pdb.spec.get("maxUnavailable"), pdb.spec.get("minAvailable")
    if is_unknown(max_unavailable) or is_unknown(min_available):
        return None  # judged once known
    if max_unavailable is not None:
        return f"maxUnavailable {_shown(max_unavailable)}" if amount(max_unavailable) == 0 else None
    if min_available is None:
        return None
    percent = isinstance(min_available, str) and min_available.endswith("%")
    if percent and amount(min_available) >= FULL_PERCENT:
        return f"minAvailable {min_available}"
    if pods is None:
        return None
    count, source = pods
    wanted = math.ceil(amount(min_available) * count / FULL_PERCENT) if percent else amount(min_available)
    return f"minAvailable {_shown(min_available)} of {count} pods ({source})" if wanted >= count else None


def blocking_budgets(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    for pdb, workloads in coverage(stack).items():
        reason = _blocking(pdb, _pods(stack, workloads))
        if reason:
            yield (
                f"PodDisruptionBudget {pdb.name}: {reason} allows no eviction, so node drains and cluster upgrades "
                "stall; use maxUnavailable: 1 (or a minAvailable below the pod count).",
                pdb.urn,
            )


POLICIES = [
    stack_policy(
        Meta(
            "single-disruption-budget",
            "Checks that no pod is selected by more than one PodDisruptionBudget.",
            Severity.HIGH,
            "Keep one PodDisruptionBudget per set of pods: narrow the selectors (e.g. add "
            "app.kubernetes.io/instance or the color label) or delete the extra budget.",
        ),
        overlapping_budgets,
    ),
    stack_policy(
        Meta(
            "disruption-budget-allows-eviction",
            "Checks that every PodDisruptionBudget allows at least one eviction at the workload's fewest replicas.",
            Severity.HIGH,
            "Use maxUnavailable: 1 (greenlight's components do), or a minAvailable below the replica count "
            "(HPA minReplicas when autoscaled); never maxUnavailable 0 or minAvailable 100%.",
        ),
        blocking_budgets,
    ),
]
