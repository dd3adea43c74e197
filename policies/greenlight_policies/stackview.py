"""The whole stack as plain objects: what stack rules query (kinds, selectors, dependencies, options)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from pulumi_policy import PolicyResource, StackValidationArgs

from greenlight_policies.kube import (
    DEFAULT_NAMESPACE,
    HELM_CHART_TYPES,
    Workload,
    chart_name,
    dig,
    group_of,
    kind_of,
    plain,
    service_selects,
    workload,
)


@dataclass(frozen=True)
class Obj:
    """One registered resource: its props as plain data plus the options and graph the engine sent."""

    urn: str
    type: str
    kind: str
    group: str
    name: str
    namespace: str
    props: dict[str, Any]
    protect: bool
    dependencies: tuple[str, ...]

    @property
    def labels(self) -> dict[str, str]:
        return dict(dig(self.props, "metadata", "labels") or {})

    @property
    def spec(self) -> dict[str, Any]:
        return dict(self.props.get("spec") or {})

    @property
    def workload(self) -> Workload | None:
        return workload(self.type, self.name, self.props)


def _obj(r: PolicyResource) -> Obj:
    props = plain(r.props)
    metadata = props.get("metadata") if isinstance(props.get("metadata"), dict) else {}
    return Obj(
        urn=r.urn,
        type=r.resource_type,
        kind=kind_of(r.resource_type),
        group=group_of(r.resource_type),
        name=str(metadata.get("name") or r.name),
        namespace=str(metadata.get("namespace") or props.get("namespace") or DEFAULT_NAMESPACE),
        props=props,
        protect=bool(r.opts.protect),
        dependencies=tuple(d.urn for d in r.dependencies),
    )


class Stack:
    """Queries over the stack's own objects (objects rendered inside Helm charts are the vendor's)."""

    def __init__(self, resources: Iterable[PolicyResource]) -> None:
        self.objects = [_obj(r) for r in resources]
        self.by_urn = {o.urn: o for o in self.objects}

    @classmethod
    def of(cls, args: StackValidationArgs) -> Stack:
        return cls(args.resources)

    def kind(self, *kinds: str, group: str | None = None) -> list[Obj]:
        return [o for o in self.objects if o.kind in kinds and (group is None or o.group == group)]

    def charts(self) -> list[Obj]:
        return [o for o in self.objects if o.type in HELM_CHART_TYPES]

    def chart(self, name: str) -> Obj | None:
        return next((c for c in self.charts() if chart_name(c.props) == name), None)

    def app_workloads(self) -> Iterator[tuple[Obj, Workload]]:
        """Long-running Deployments and StatefulSets that serve on a port: the stack's apps."""
        for o in self.kind("Deployment", "StatefulSet"):
            w = o.workload
            if w and any(c.get("ports") for c in w.containers(include_init=False)):
                yield o, w

    def services_selecting(self, w: Workload) -> list[Obj]:
        return [
            s
            for s in self.kind("Service")
            if s.namespace == w.namespace and service_selects(s.spec.get("selector"), w.pod_labels)
        ]

    def depends_on(self, o: Obj) -> set[str]:
        """URNs `o` waits for, directly or through its dependencies (the engine's creation order)."""
        seen: set[str] = set()
        todo = list(o.dependencies)
        while todo:
            urn = todo.pop()
            if urn in seen:
                continue
            seen.add(urn)
            found = self.by_urn.get(urn)
            todo += list(found.dependencies) if found else []
        return seen
