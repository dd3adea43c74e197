"""What in a plan can lose data, traffic or the update itself: the steps a reviewer must not wave through.

- one Kubernetes object claimed by two URNs in one update: the provider creates objects with a plain
  create (AlreadyExists; with `upsertExistingObjects` it adopts the object instead, and the old URN's
  delete at the end of the update then removes the live object);
- replacing or deleting a Service (traffic), a PersistentVolumeClaim (data), a Namespace (everything
  in it) or a CustomResourceDefinition (every object of its kind), and any step on a protected resource;
- `spec.replicas` set on a workload an HPA scales, without a forced patch: under server-side apply the
  HPA's controller owns the field once it scales, and the provider's apply then conflicts
  (pulumi-kubernetes `await.go` `patchForce`: forced only with the `pulumi.com/patchForce` annotation or
  `enablePatchForce`; `ignoreChanges` on the field leaves it to the other manager).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from offline import kinds, urns
from offline.engine import plain
from offline.monitor import Resource
from offline.plan import CREATE, DELETE, IMPORT, REPLACE, UPDATE, Plan, Step, is_kubernetes_object
from offline.propertypath import contains, parse

PATCH_FORCE_ANNOTATION = "pulumi.com/patchForce"
REPLICAS = ("spec", "replicas")
SCALED_KINDS = ("Deployment", "StatefulSet", "ReplicaSet")
# Why losing each kind hurts, in one clause.
DESTRUCTIVE_KINDS = {
    "Service": "clients lose the Service (and its clusterIP) until the new one exists",
    "PersistentVolumeClaim": "the volume's data goes with the claim",
    "Namespace": "Kubernetes deletes every object in the namespace, whoever manages it",
    "CustomResourceDefinition": "Kubernetes deletes every object of its kind",
}


@dataclass(frozen=True)
class Hazard:
    kind: str  # claimed-twice | destructive | protected | field-manager-conflict | engine-error
    urn: str
    message: str
    object: str = ""  # the Kubernetes object, `Kind namespace/name`, when there is one


def _kind(r: Resource) -> str:
    return str(r.inputs.get("kind", "")) if is_kubernetes_object(r) else ""


def _object(r: Resource | None, default_namespace: str) -> kinds.ObjectId | None:
    return kinds.object_id(r.inputs, default_namespace) if r is not None and is_kubernetes_object(r) else None


def _name(urn: str) -> str:
    return urns.parse(urn).name


def claimed_twice(plan: Plan, default_namespace: str) -> list[Hazard]:
    """A step that creates an object another URN holds (in the deployed state or in this program)."""
    held: dict[kinds.ObjectId, list[str]] = {}
    for step in plan.steps:
        if (oid := _object(step.old, default_namespace)) is not None:
            held.setdefault(oid, []).append(step.old.urn)  # type: ignore[union-attr]
    hazards: list[Hazard] = []
    wanted: dict[kinds.ObjectId, str] = {}
    for step in plan.steps:
        oid = _object(step.new, default_namespace)
        if oid is None:
            continue
        if oid in wanted:
            message = f"{oid} is registered twice: by {wanted[oid]} and by {step.urn}"
            hazards.append(Hazard("claimed-twice", step.urn, message, str(oid)))
        wanted[oid] = step.urn
        own_old = step.old.urn if step.old else None
        # A replacement because the provider moved to another cluster creates the object there: no collision.
        moved = "provider" in step.replace_keys
        same_object = step.op == REPLACE and not moved and oid == _object(step.old, default_namespace)
        if same_object and (not step.delete_first or step.old.retain_on_delete):  # type: ignore[union-attr]
            why = (
                "the old object is retained (retainOnDelete)"
                if step.old.retain_on_delete  # type: ignore[union-attr]
                else "it is created before the old one is deleted (deleteBeforeReplace=false on a fixed name)"
            )
            hazards.append(
                Hazard(
                    "claimed-twice",
                    step.urn,
                    f"{oid} is replaced under the same name while {why}: the create fails with AlreadyExists",
                    str(oid),
                )
            )
        others = [u for u in held.get(oid, []) if u != own_old]
        if step.op in (CREATE, IMPORT, REPLACE) and others:
            fate = next((s for s in plan.steps if s.old and s.old.urn == others[0]), None)
            later = "deletes it at the end of the update" if fate and fate.op in (DELETE, REPLACE) else "keeps it"
            hazards.append(
                Hazard(
                    "claimed-twice",
                    step.urn,
                    f"{oid} is created by {_name(step.urn)} while {_name(others[0])} still holds it and {later}: "
                    "the create fails with AlreadyExists (with upsertExistingObjects it is adopted, and the old "
                    f"URN's delete then removes the live object); alias {_name(step.urn)} to {others[0]}",
                    str(oid),
                )
            )
    return hazards


def destructive(step: Step, default_namespace: str) -> Hazard | None:
    resource = step.old or step.new
    if step.op not in (REPLACE, DELETE) or resource is None or resource.retain_on_delete:
        return None  # a retained object stays in the cluster
    reason = DESTRUCTIVE_KINDS.get(_kind(resource))
    if reason is None:
        return None
    how = "deletes" if step.op == DELETE else ("deletes, then recreates" if step.delete_first else "replaces")
    oid = _object(resource, default_namespace)
    return Hazard("destructive", step.urn, f"{how} {oid or resource.name} ({resource.name}): {reason}", str(oid or ""))


def _scaled_by_hpa(head: list[Resource]) -> set[tuple[str, str, str]]:
    """(namespace, kind, name) of every workload an autoscaling HorizontalPodAutoscaler targets."""
    targets = set()
    for r in head:
        if _kind(r) == "HorizontalPodAutoscaler":
            meta, ref = r.inputs.get("metadata") or {}, (r.inputs.get("spec") or {}).get("scaleTargetRef") or {}
            targets.add((str(meta.get("namespace") or ""), str(ref.get("kind", "")), str(ref.get("name", ""))))
    return targets


def _forced(inputs: dict[str, Any]) -> bool:
    annotations = (inputs.get("metadata") or {}).get("annotations") or {}
    return str(annotations.get(PATCH_FORCE_ANNOTATION, "")).lower() == "true"


def replica_conflicts(plan: Plan, head: list[Resource]) -> list[Hazard]:
    targets = _scaled_by_hpa(head)
    hazards = []
    for step in plan.steps:
        r = step.new
        if r is None or _kind(r) not in SCALED_KINDS:
            continue
        meta, spec = r.inputs.get("metadata") or {}, r.inputs.get("spec") or {}
        key = (str(meta.get("namespace") or ""), _kind(r), str(meta.get("name", "")))
        if "replicas" not in spec or key not in targets or _forced(r.inputs):
            continue
        if any(contains(parse(p), REPLICAS) for p in r.ignore_changes):
            continue
        when = "this update" if step.op == UPDATE else "the first update of it after the HPA scales it"
        hazards.append(
            Hazard(
                "field-manager-conflict",
                step.urn,
                f"{_kind(r)} {key[0]}/{key[2]} sets spec.replicas={plain(spec['replicas'])} while an HPA scales it: "
                f"{when} conflicts with the HPA's field manager under server-side apply; leave replicas unset "
                f"(or add ignoreChanges on spec.replicas)",
                f"{_kind(r)} {key[0]}/{key[2]}",
            )
        )
    return hazards


def find(plan: Plan, head: list[Resource], default_namespace: str) -> list[Hazard]:
    hazards = [Hazard("engine-error", "", error) for error in plan.errors]
    for s in plan.steps:
        if s.blocked:
            oid = _object(s.resource, default_namespace)
            hazards.append(
                Hazard("protected", s.urn, f"{s.op} of {s.resource.name} blocked: {s.blocked}", str(oid or ""))
            )
    hazards += [h for s in plan.steps if (h := destructive(s, default_namespace)) is not None]
    hazards += claimed_twice(plan, default_namespace)
    return hazards + replica_conflicts(plan, head)
