"""Checklist: availability in prod, rollback plan, database migrations automated.

Stack rules, because each needs more than one object: an HPA decides a Deployment's replicas, a PDB
protects it, blue-green needs both colors, and migrations are a Job the Deployment waits for.
"""

from __future__ import annotations

import json
from collections.abc import Hashable, Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.kube import (
    DEFAULT_REPLICAS,
    DEFAULT_REVISION_HISTORY_LIMIT,
    SCALABLE_KINDS,
    UNMANAGED_REPLICA_KINDS,
    Workload,
    budget_selects,
)
from greenlight_policies.registry import ENVIRONMENT_PROPERTY, Finding, Meta, is_prod, stack_policy
from greenlight_policies.stackview import Obj, Stack

MIN_REPLICAS = 2  # one pod can be drained or lost while another serves
MIN_REVISION_HISTORY = 2  # the current ReplicaSet plus the one `kubectl rollout undo` returns to
DEFAULT_MAX_UNAVAILABLE = "25%"  # apps/v1 Deployment default
COLOR_LABEL = "greenlight.dev/color"
COLORS = ("blue", "green")
APP_NAME_LABEL = "app.kubernetes.io/name"
MIGRATION_COMPONENTS = ("migration", "migrations", "migrate")
CNPG_GROUP = "postgresql.cnpg.io"


def _hpas_by_target(stack: Stack) -> dict[tuple[str, Any, Any], Obj]:
    """(namespace, target kind, target name) -> the first HorizontalPodAutoscaler scaling it."""
    found: dict[tuple[str, Any, Any], Obj] = {}
    for hpa in stack.kind("HorizontalPodAutoscaler"):
        target = hpa.spec.get("scaleTargetRef") or {}
        key = (hpa.namespace, target.get("kind"), target.get("name"))
        if all(isinstance(part, Hashable) for part in key):
            found.setdefault(key, hpa)
    return found


def hpa_for(stack: Stack, o: Obj) -> Obj | None:
    return stack.memo("hpa-targets", lambda: _hpas_by_target(stack)).get((o.namespace, o.kind, o.name))


def floor_replicas(stack: Stack, o: Obj) -> tuple[int, str]:
    """The fewest pods the workload runs, and what decides it (HPA minReplicas or spec.replicas)."""
    hpa = hpa_for(stack, o)
    if hpa:
        return int(hpa.spec.get("minReplicas", DEFAULT_REPLICAS)), f"HorizontalPodAutoscaler {hpa.name} minReplicas"
    return int(o.spec.get("replicas", DEFAULT_REPLICAS)), "spec.replicas"


def parked(stack: Stack, o: Obj) -> bool:
    """Explicitly scaled to zero (an idle blue-green track): not serving, so not held to serving rules."""
    return o.spec.get("replicas") == 0 and hpa_for(stack, o) is None


def too_few_replicas(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not is_prod(config):
        return
    stack = Stack.of(args)
    minimum = int(config.get("minReplicas", MIN_REPLICAS))
    for o in stack.kind(*SCALABLE_KINDS):
        count, source = floor_replicas(stack, o)
        if not parked(stack, o) and count < minimum:
            yield f"{o.kind} {o.name}: {source} is {count}; run at least {minimum} in prod.", o.urn


def amount(value: Any) -> float:
    """An IntOrString count: 1, 1.0 (numbers arrive as floats over the protocol) or "25%" -> its number."""
    return float(str(value).rstrip("%"))


def missing_disruption_budget(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not is_prod(config):
        return
    stack = Stack.of(args)
    for o in stack.kind("Deployment"):
        w = o.workload
        if w is None or parked(stack, o):
            continue
        budgets = [
            p
            for p in stack.selecting("PodDisruptionBudget", w.pod_labels)
            if p.namespace == w.namespace and budget_selects(p.type, p.spec.get("selector"), w.pod_labels)
        ]
        if not budgets:
            yield f"Deployment {w.name}: add a PodDisruptionBudget selecting its pods (e.g. maxUnavailable: 1).", o.urn


def _rolling_problems(o: Obj, min_history: int) -> list[str]:
    strategy = o.spec.get("strategy") or {}
    problems = []
    if strategy.get("type", "RollingUpdate") != "RollingUpdate":
        problems.append(f"strategy {strategy.get('type')} takes every pod down; use RollingUpdate")
    elif amount((strategy.get("rollingUpdate") or {}).get("maxUnavailable", DEFAULT_MAX_UNAVAILABLE)) != 0:
        problems.append("set strategy.rollingUpdate.maxUnavailable: 0 so capacity never drops during a rollout")
    history = int(o.spec.get("revisionHistoryLimit", DEFAULT_REVISION_HISTORY_LIMIT))
    if history < min_history:
        problems.append(f"revisionHistoryLimit {history} leaves nothing to roll back to; keep at least {min_history}")
    return problems


def no_rollback_plan(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not is_prod(config):
        return
    stack = Stack.of(args)
    min_history = int(config.get("minRevisionHistory", MIN_REVISION_HISTORY))
    apps: dict[tuple[str, str], list[Obj]] = {}
    for o in stack.kind("Deployment"):
        apps.setdefault((o.namespace, o.labels.get(APP_NAME_LABEL, o.name)), []).append(o)
    for (_, app), deployments in sorted(apps.items()):
        colors = {o.labels.get(COLOR_LABEL) for o in deployments}
        if set(COLORS) <= colors:
            for o in deployments:
                if parked(stack, o):
                    yield (
                        f"Deployment {o.name}: the {o.labels.get(COLOR_LABEL)} track of {app} is scaled to 0; keep "
                        "the previous track running in prod for an instant rollback (release.scaleDownIdle: false).",
                        o.urn,
                    )
            continue
        for o in deployments:
            for problem in _rolling_problems(o, min_history):
                yield f"Deployment {o.name}: no blue-green pair for {app}; {problem}.", o.urn
    yield from _unmanaged_replicas(stack)


def _unmanaged_replicas(stack: Stack) -> Iterator[Finding]:
    """A ReplicaSet registered by itself: a new pod template replaces every pod at once, with no history."""
    for o in stack.kind(*UNMANAGED_REPLICA_KINDS):
        if not parked(stack, o):
            yield (
                f"{o.kind} {o.name}: a bare {o.kind} has no rolling update and nothing to roll back to; run its "
                "pods from a Deployment (RollingUpdate, maxUnavailable 0, revisionHistoryLimit >= 2) instead.",
                o.urn,
            )


def _uses_a_cluster(w: Workload, clusters: list[Obj]) -> bool:
    """The pod spec names a cluster of its namespace: CNPG's Secrets and Services are all named `<cluster>-...`."""
    neighbours = [c for c in clusters if c.namespace == w.namespace]
    if not neighbours:
        return False
    pod_spec_text = json.dumps(w.pod_spec)
    return any(c.name in pod_spec_text for c in neighbours)


def _is_migration(job: Obj) -> bool:
    component = job.labels.get("app.kubernetes.io/component", "")
    return component in MIGRATION_COMPONENTS or "migrat" in job.name


def unmigrated_apps(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    clusters = stack.kind("Cluster", group=CNPG_GROUP)
    migrations = {j.urn for j in stack.kind("Job") if _is_migration(j)}
    for o in stack.kind("Deployment"):
        w = o.workload
        if w is None or not _uses_a_cluster(w, clusters):
            continue
        services = stack.services_selecting(w)
        waits = bool(stack.depends_on(o) & migrations) or (
            bool(services) and all(stack.depends_on(s) & migrations for s in services)
        )
        if not waits:
            yield (
                f"Deployment {w.name} uses a database but does not depend on a migration Job; run migrations as a "
                "Job (components/objects/migration.py) and make the Deployment (or its Service) depends_on it.",
                o.urn,
            )


POLICIES = [
    stack_policy(
        Meta(
            "min-replicas",
            "Checks that prod Deployments and StatefulSets run at least two replicas (or an HPA minimum of two).",
            Severity.HIGH,
            "Set app.replicas >= 2 or app.autoscaling.minReplicas >= 2 in "
            "the prod stack; a Deployment without replicas is fine when an HPA with minReplicas >= 2 targets it.",
            {**ENVIRONMENT_PROPERTY, "minReplicas": {"type": "integer", "minimum": 1, "default": MIN_REPLICAS}},
        ),
        too_few_replicas,
    ),
    stack_policy(
        Meta(
            "pod-disruption-budget",
            "Checks that every prod Deployment has a PodDisruptionBudget.",
            Severity.MEDIUM,
            "Add a PodDisruptionBudget selecting the Deployment's pods with maxUnavailable: 1 (AppDeployment "
            "does); disruption-budget-allows-eviction checks that it still lets node drains through.",
            ENVIRONMENT_PROPERTY,
        ),
        missing_disruption_budget,
    ),
    stack_policy(
        Meta(
            "rollback-plan",
            "Checks that prod apps can roll back: blue-green with both tracks kept, or rolling "
            "updates with maxUnavailable 0 and revision history.",
            Severity.HIGH,
            "Use release.strategy: "
            "blue-green with scaleDownIdle: false, or a RollingUpdate with maxUnavailable: 0 and "
            "revisionHistoryLimit >= 2; roll back by setting release.activeColor back and running pulumi up.",
            {
                **ENVIRONMENT_PROPERTY,
                "minRevisionHistory": {"type": "integer", "minimum": 1, "default": MIN_REVISION_HISTORY},
            },
        ),
        no_rollback_plan,
    ),
    stack_policy(
        Meta(
            "migrations-before-traffic",
            "Checks that an app using a database waits for a migration Job before its new version takes traffic.",
            Severity.HIGH,
            "Run the schema migration as a Job with the new image "
            "and give the Deployment (or the Service that moves traffic) depends_on=[job].",
        ),
        unmigrated_apps,
    ),
]
