"""Chart objects are judged like greenlight's own; this policy prints the exceptions that applied (exceptions.py).

It re-runs every rule over the stack's chart objects, exactly as the policies did, and reports each table
entry that excepted a finding (with how many objects) and, in prod (where every policy applies), each
stale entry: its chart is in the stack, yet it excepted nothing, so the chart or its values changed and
the entry must go.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies import exceptions, registry
from greenlight_policies.kube import rendered_by_chart
from greenlight_policies.registry import ENVIRONMENT_PROPERTY, Finding, Meta, environment, is_prod, stack_policy
from greenlight_policies.stackview import Obj

META = Meta(
    "chart-exceptions",
    "Checks that every chart object excepted from a policy is named in the exceptions table, printing each "
    "exception that applied and flagging stale entries.",
    Severity.LOW,
    "Nothing to fix for an applied exception (it is printed so reviewers see it); remove a stale entry "
    "from policies/greenlight_policies/exceptions.py.",
    ENVIRONMENT_PROPERTY,
)


def _config(meta: Meta, env: str) -> Mapping[str, Any]:
    """The rule's config as its own policy would get it, in this policy's environment."""
    given = {"environment": env} if "environment" in (meta.properties or {}) else {}
    return registry.defaults(meta, given)


def excepted(args: StackValidationArgs, env: str) -> dict[exceptions.ChartException, list[str]]:
    """Each entry that excepted some finding -> the URNs of the objects it excepted it on."""
    hits: dict[exceptions.ChartException, list[str]] = {}
    charted = [r for r in args.resources if rendered_by_chart(r.urn)]
    if not charted:  # entries only except chart objects: no need to run every rule again
        return hits
    for r in charted:
        view = Obj.from_resource(r)
        for meta, rule in registry.RESOURCE_RULES:
            for message in rule(view, _config(meta, env)):
                entry = exceptions.find(meta.name, r.urn, r.resource_type, r.props, message)
                if entry is not None:
                    hits.setdefault(entry, []).append(r.urn)
    by_urn = {r.urn: r for r in charted}
    for meta, stack_rule in registry.STACK_RULES:
        if meta.name == META.name:
            continue
        for message, urn in stack_rule(args, _config(meta, env)):
            found = by_urn.get(urn)
            entry = exceptions.find(meta.name, urn, found.resource_type, found.props, message) if found else None
            if entry is not None:
                hits.setdefault(entry, []).append(urn)
    return hits


def applied(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    hits = excepted(args, environment(config))
    charts = {exceptions.chart_of(r.props) for r in args.resources if rendered_by_chart(r.urn)}
    for entry in exceptions.pack_entries():
        urns = sorted(set(hits.get(entry, [])))
        if urns:
            yield f"{entry.describe()} ({len(urns)} objects)", urns[0] if len(urns) == 1 else ""
        elif entry.chart in charts and is_prod(config):  # where every policy applies: an idle entry is stale
            where = f"{entry.chart or 'unlabelled chart objects'} {entry.kind}/{entry.name}"
            yield f"stale exception: {entry.policy} on {where} excepts nothing; remove it from the table.", ""


POLICIES = [stack_policy(META, applied)]
