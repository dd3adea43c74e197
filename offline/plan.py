"""The steps `pulumi up` takes from one state of the program to another, by the engine's rules.

From pulumi/pulumi `pkg/resource/deploy/step_generator.go`: a registration finds its old state by its URN
first, then by its aliases (its own and those inherited from an aliased parent); found, it is diffed (the
Kubernetes provider's rules for Kubernetes objects, plain input equality for components) and becomes a
same, an update or a replace; `replaceOnChanges` turns a change under a listed path into a replacement;
`deleteBeforeReplace` set on the resource overrides the provider's choice; a protected resource cannot be
replaced or deleted (the update fails); old states nothing claims are deleted after every create and
update, in reverse order, and a `retainOnDelete` resource leaves its object in the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi.runtime import rpc

from offline import k8s_diff, urns
from offline.monitor import STACK_TYPE, Resource
from offline.propertypath import contains, parse

CREATE, UPDATE, REPLACE, DELETE, SAME, IMPORT = "create", "update", "replace", "delete", "same", "import"
# The Kubernetes provider re-runs a Job carrying this annotation when the live Job has not completed.
REPLACE_UNREADY_ANNOTATION = "pulumi.com/replaceUnready"


@dataclass(frozen=True)
class Secret:
    """A secret leaf: compared by value, never shown."""

    value: Any

    def __repr__(self) -> str:
        return "[secret]"


def revealed(value: Any) -> Any:
    """Inputs with secret wrappers turned into comparable `Secret` leaves."""
    if rpc.is_rpc_secret(value):
        return Secret(_freeze(rpc.unwrap_rpc_secret(value)))
    if isinstance(value, dict):
        return {k: revealed(v) for k, v in value.items()}
    if isinstance(value, list):
        return [revealed(v) for v in value]
    return value


def _freeze(value: Any) -> Any:
    if isinstance(value, dict):
        return tuple(sorted((k, _freeze(v)) for k, v in value.items()))
    if isinstance(value, list):
        return tuple(_freeze(v) for v in value)
    return value


@dataclass
class Step:
    op: str
    new: Resource | None
    old: Resource | None
    changes: list[k8s_diff.Change] = field(default_factory=list)
    delete_first: bool = False  # for a replace: delete the old object before creating the new one
    blocked: str = ""  # why the engine refuses this step (the update fails)
    notes: list[str] = field(default_factory=list)

    @property
    def resource(self) -> Resource:
        resource = self.new or self.old
        assert resource is not None
        return resource

    @property
    def urn(self) -> str:
        return self.resource.urn

    @property
    def replace_keys(self) -> list[str]:
        return [c.key for c in self.changes if c.replaces]


@dataclass
class Plan:
    steps: list[Step]
    errors: list[str]  # what the engine itself would refuse (duplicate URNs or alias claims)

    def count(self, op: str) -> int:
        return sum(s.op == op for s in self.steps)


def is_kubernetes_object(r: Resource) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and "kind" in r.inputs and "apiVersion" in r.inputs


def _provider_urn(ref: str) -> str:
    return ref.rsplit("::", 1)[0] if ref else ""


def _diff(old: Resource, new: Resource, provider: k8s_diff.ProviderConfig) -> tuple[list[k8s_diff.Change], bool]:
    """(changes, the provider's delete-before-replace) of one resource found in both states."""
    before, after = revealed(old.inputs), revealed(new.inputs)
    if is_kubernetes_object(new) and is_kubernetes_object(old):
        result = k8s_diff.diff(before, after, new.ignore_changes, provider)
        return result.changes, result.delete_before_replace
    ignored = [parse(p) for p in new.ignore_changes]
    changes = [c for c in k8s_diff.detailed_diff(before, after) if not any(contains(p, c.path) for p in ignored)]
    return changes, False


def _with_replace_on_changes(changes: list[k8s_diff.Change], patterns: list[str]) -> list[k8s_diff.Change]:
    """`applyReplaceOnChanges`: a change under a `replaceOnChanges` path (or `*`) replaces the resource."""
    parsed = [parse(p) for p in patterns]
    return [
        k8s_diff.Change(c.path, c.before, c.after, True) if any(contains(p, c.path) for p in parsed) else c
        for c in changes
    ]


@dataclass
class Providers:
    """The Kubernetes provider resources of both states, to judge a change of provider as `DiffConfig` does."""

    old: dict[str, dict[str, Any]]
    new: dict[str, dict[str, Any]]
    default: dict[str, Any]  # the default provider's inputs (a registration without a provider reference)

    @classmethod
    def of(cls, base: list[Resource], head: list[Resource], config: k8s_diff.ProviderConfig) -> Providers:
        def inputs(state: list[Resource]) -> dict[str, dict[str, Any]]:
            return {r.urn: revealed(r.inputs) for r in state if r.type == k8s_diff.PROVIDER_TYPE}

        return cls(inputs(base), inputs(head), dict(config.default_inputs))

    def replaces(self, old_ref: str, new_ref: str, is_kubernetes: bool) -> tuple[list[str], str]:
        """(config keys that replace the resource, a note) when a resource's provider reference differs or the
        provider it names is itself changed."""
        old_urn, new_urn = _provider_urn(old_ref), _provider_urn(new_ref)
        before = self.old.get(old_urn, self.default) if old_urn else self.default
        after = self.new.get(new_urn, self.default) if new_urn else self.default
        if old_urn == new_urn and before == after:
            return [], ""
        if not is_kubernetes:
            return [], f"its provider changed ({old_urn or 'default'} → {new_urn or 'default'}); not judged offline"
        keys = k8s_diff.provider_replaces(_plain_values(before), _plain_values(after))
        moved = f"its provider changed ({old_urn or 'default'} → {new_urn or 'default'})" if old_urn != new_urn else ""
        if keys:
            return keys, f"{moved or 'its provider is replaced'}: {', '.join(keys)} point at another cluster"
        same = "its DiffConfig finds no cluster change (it compares explicit kubeconfigs only), so no replacement"
        return [], f"{moved}; {same}" if moved else ""


def _plain_values(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: v.value if isinstance(v, Secret) else v for k, v in inputs.items()}


def _matched_step(old: Resource, new: Resource, provider: k8s_diff.ProviderConfig, providers: Providers) -> Step:
    if new.custom and new.import_id and new.import_id != old.import_id:
        return Step(IMPORT, new, old, notes=[f"imports the existing object {new.import_id!r} in place of its state"])
    changes, provider_dbr = _diff(old, new, provider)
    if new.type == k8s_diff.PROVIDER_TYPE:  # the provider itself: DiffConfig decides its replacement
        keys = k8s_diff.provider_replaces(_plain_values(revealed(old.inputs)), _plain_values(revealed(new.inputs)))
        changes = [k8s_diff.Change(c.path, c.before, c.after, c.path[:1] in [(k,) for k in keys]) for c in changes]
    changes = _with_replace_on_changes(changes, new.replace_on_changes)
    notes = []
    if new.custom and new.type != k8s_diff.PROVIDER_TYPE:
        keys, note = providers.replaces(old.provider, new.provider, is_kubernetes_object(new))
        notes += [note] if note else []
        if keys:
            changes = [*changes, k8s_diff.Change(("provider",), old.provider, new.provider, True)]
    annotations = ((new.inputs.get("metadata") or {}).get("annotations") or {}) if is_kubernetes_object(new) else {}
    if str(annotations.get(REPLACE_UNREADY_ANNOTATION, "")).lower() == "true":
        notes.append("replaced anyway if the live Job has not completed (pulumi.com/replaceUnready)")
    if not changes:
        return Step(SAME, new, old, notes=notes)
    if not any(c.replaces for c in changes):
        return Step(UPDATE, new, old, changes, notes=notes)
    delete_first = provider_dbr if new.delete_before_replace is None else new.delete_before_replace
    step = Step(REPLACE, new, old, changes, delete_first, notes=notes)
    if new.protect and old.protect:
        step.blocked = "it is protected: the engine refuses to replace it and the update fails"
    if old.retain_on_delete:
        step.notes.append("retainOnDelete: the old object is left in the cluster, not deleted")
    return step


def plan(base: list[Resource], head: list[Resource], provider: k8s_diff.ProviderConfig) -> Plan:
    """Steps from `base` (what is deployed) to `head` (what the program now registers)."""
    olds = {r.urn: r for r in base if r.type != STACK_TYPE}
    providers = Providers.of(base, head, provider)
    old_urn_of: dict[str, str] = {}  # new URN -> the old URN it took over through an alias
    claimed: dict[str, str] = {}  # old URN -> the new URN that took it over
    seen: set[str] = set()
    steps: list[Step] = []
    errors: list[str] = []
    for new in head:
        if new.type == STACK_TYPE:
            continue
        if new.urn in seen:
            errors.append(f"{new.urn} is registered twice: the engine fails the update (duplicate resource URN)")
            continue
        seen.add(new.urn)
        old_urn = next((u for u in urns.candidates(new.urn, new.parent, new.aliases, old_urn_of) if u in olds), None)
        if old_urn is not None and old_urn in claimed:
            errors.append(f"{new.urn} and {claimed[old_urn]} both claim {old_urn} (through aliases): the engine fails")
            old_urn = None
        if old_urn is None:
            steps.append(Step(IMPORT if new.custom and new.import_id else CREATE, new, None))
            continue
        claimed[old_urn] = new.urn
        if old_urn != new.urn:
            old_urn_of[new.urn] = old_urn
        step = _matched_step(olds[old_urn], new, provider, providers)
        if old_urn != new.urn:
            step.notes.insert(0, f"found through an alias: was {old_urn}")
        steps.append(step)
    for old in reversed(list(olds.values())):
        if old.urn not in claimed:
            steps.append(_delete_step(old))
    return Plan(steps, errors)


def _delete_step(old: Resource) -> Step:
    step = Step(DELETE, None, old)
    if old.protect:
        step.blocked = "it is protected: the engine refuses to delete it and the update fails"
    if old.retain_on_delete:
        step.notes.append("retainOnDelete: the object stays in the cluster, no longer managed by the stack")
    return step
