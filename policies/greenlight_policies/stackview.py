"""Resources as plain objects (what rules read), and the whole stack with the indexes stack rules query.

The pack's servicer (server.py) decodes each resource once per request and hands every policy the same
`Obj` (in `ViewArgs`) or the same `Stack` (in `StackViewArgs`); under any other servicer (pulumi_policy's
own) the view is built here from the SDK's proxies. Either way the rules see the same plain data, which
they only read: it is shared by every policy of a request.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, TypeVar

from pulumi_policy import PolicyResource, ResourceValidationArgs, StackValidationArgs

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

T = TypeVar("T")


@dataclass(frozen=True, eq=False)
class Obj:
    """One registered resource: its props as plain data plus the options and graph the engine sent.

    Derived views are computed on first use and kept (rules ask for them many times).
    """

    urn: str
    type: str
    resource_name: str  # the Pulumi resource name (ResourceValidationArgs.name)
    props: dict[str, Any]
    protect: bool = False
    dependencies: tuple[str, ...] = ()

    @classmethod
    def from_args(cls, args: ResourceValidationArgs) -> Obj:
        return cls(args.urn, args.resource_type, args.name, plain(args.props), bool(args.opts.protect))

    @classmethod
    def from_resource(cls, r: PolicyResource) -> Obj:
        deps = tuple(d.urn for d in r.dependencies)
        return cls(r.urn, r.resource_type, r.name, plain(r.props), bool(r.opts.protect), deps)

    @cached_property
    def kind(self) -> str:
        return kind_of(self.type)

    @cached_property
    def group(self) -> str:
        return group_of(self.type)

    @cached_property
    def _metadata(self) -> dict[str, Any]:
        metadata = self.props.get("metadata")
        return metadata if isinstance(metadata, dict) else {}

    @cached_property
    def name(self) -> str:
        return str(self._metadata.get("name") or self.resource_name)

    @cached_property
    def namespace(self) -> str:
        return str(self._metadata.get("namespace") or self.props.get("namespace") or DEFAULT_NAMESPACE)

    @cached_property
    def labels(self) -> dict[str, str]:
        return dict(dig(self.props, "metadata", "labels") or {})

    @cached_property
    def spec(self) -> dict[str, Any]:
        return dict(self.props.get("spec") or {})

    @cached_property
    def workload(self) -> Workload | None:
        return workload(self.type, self.name, self.props)


class ViewArgs(ResourceValidationArgs):
    """ResourceValidationArgs that also carry the request's one decoded `Obj`."""

    view: Obj


def view_of(args: ResourceValidationArgs) -> Obj:
    return args.view if isinstance(args, ViewArgs) else Obj.from_args(args)


class SelectorIndex:
    """Objects that select by labels, found from a label set without trying every one.

    A selector matches only label sets that hold all its required pairs, so each object is filed under
    the one required pair the fewest objects share; a label set can only be matched by objects filed
    under one of its own pairs. Objects with no hashable required pair are tried every time.
    """

    def __init__(self, entries: Iterable[tuple[Obj, Mapping[str, Any]]]) -> None:
        listed = [(o, [pair for pair in required.items() if isinstance(pair[1], Hashable)]) for o, required in entries]
        counts: dict[tuple[str, Any], int] = {}
        for _, pairs in listed:
            for pair in pairs:
                counts[pair] = counts.get(pair, 0) + 1
        self._filed: dict[tuple[str, Any], list[Obj]] = {}
        self._always: list[Obj] = []
        for o, pairs in listed:
            if pairs:
                self._filed.setdefault(min(pairs, key=counts.__getitem__), []).append(o)
            else:
                self._always.append(o)

    def candidates(self, labels: Mapping[str, Any]) -> Iterator[Obj]:
        """Every object that may match `labels` (a superset: callers still check the selector)."""
        for pair in labels.items():
            if isinstance(pair[1], Hashable):
                yield from self._filed.get(pair, ())
        yield from self._always


def _map_selector(service: Obj) -> dict[str, Any]:
    """A Service's selector: a plain map of required labels."""
    selector = service.spec.get("selector")
    return selector if isinstance(selector, dict) else {}


def _match_labels(o: Obj) -> dict[str, Any]:
    """The pairs a LabelSelector requires (matchExpressions are checked by selector_matches)."""
    selector = o.spec.get("selector")
    found = selector.get("matchLabels") if isinstance(selector, dict) else None
    return found if isinstance(found, dict) else {}


@dataclass
class Stack:
    """Queries over every object of the stack, the charts' included (exceptions.py excepts by name).

    One Stack serves every stack policy of a request, so what a query builds is kept (`memo`).
    """

    objects: list[Obj]
    by_urn: dict[str, Obj] = field(init=False)
    _position: dict[Obj, int] = field(init=False)
    _by_kind: dict[str, list[Obj]] = field(init=False)
    _memo: dict[Hashable, Any] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.by_urn = {o.urn: o for o in self.objects}
        self._position = {o: i for i, o in enumerate(self.objects)}
        self._by_kind = {}
        for o in self.objects:
            self._by_kind.setdefault(o.kind, []).append(o)

    @classmethod
    def of(cls, args: StackValidationArgs) -> Stack:
        if isinstance(args, StackViewArgs):
            return args.stack
        return cls([Obj.from_resource(r) for r in args.resources])

    def memo(self, key: Hashable, build: Callable[[], T]) -> T:
        """What `build` returns, built once per stack (indexes, parsed rules)."""
        if key not in self._memo:
            self._memo[key] = build()
        found: T = self._memo[key]
        return found

    def in_order(self, objects: Iterable[Obj]) -> list[Obj]:
        """`objects` in registration order, once each."""
        return sorted(set(objects), key=self._position.__getitem__)

    def kind(self, *kinds: str, group: str | None = None) -> list[Obj]:
        found = [o for k in dict.fromkeys(kinds) for o in self._by_kind.get(k, ())]
        if len(kinds) > 1:
            found = self.in_order(found)
        return [o for o in found if group is None or o.group == group]

    def charts(self) -> list[Obj]:
        return self.memo("charts", lambda: [o for o in self.objects if o.type in HELM_CHART_TYPES])

    def chart(self, name: str) -> Obj | None:
        return next((c for c in self.charts() if chart_name(c.props) == name), None)

    def app_workloads(self) -> list[tuple[Obj, Workload]]:
        """Long-running Deployments and StatefulSets that serve on a port: the stack's apps."""

        def build() -> list[tuple[Obj, Workload]]:
            apps = []
            for o in self.kind("Deployment", "StatefulSet"):
                w = o.workload
                if w and any(c.get("ports") for c in w.containers(include_init=False)):
                    apps.append((o, w))
            return apps

        return self.memo("app-workloads", build)

    def services_selecting(self, w: Workload) -> list[Obj]:
        index = self.memo(
            "service-selectors", lambda: SelectorIndex((s, _map_selector(s)) for s in self.kind("Service"))
        )
        found = [
            s
            for s in index.candidates(w.pod_labels)
            if s.namespace == w.namespace and service_selects(s.spec.get("selector"), w.pod_labels)
        ]
        return self.in_order(found)

    def selecting(self, kind: str, labels: Mapping[str, Any]) -> list[Obj]:
        """Objects of `kind` whose spec.selector (a LabelSelector) may match `labels`, in stack order.

        A superset: callers still check `selector_matches` (and namespaces)."""
        index = self.memo(
            ("label-selectors", kind), lambda: SelectorIndex((o, _match_labels(o)) for o in self.kind(kind))
        )
        return self.in_order(index.candidates(labels))

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


class StackViewArgs(StackValidationArgs):
    """StackValidationArgs that also carry the request's one `Stack` view."""

    stack: Stack
