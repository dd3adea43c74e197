"""URNs and aliases as the Pulumi engine forms them (not as the SDK's mock monitor guesses them).

Rules from pulumi/pulumi `pkg/resource/urn.go` (`NewURN`: the parent's *whole* qualified type, `$`-joined,
prefixes the child's type; children of the root stack carry no prefix) and `pkg/resource/deploy/
step_generator.go` (`collapseAliasToUrn`, `inheritedChildAlias`, `generateAliases`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

STACK_TYPE = "pulumi:pulumi:Stack"
URN_PREFIX = "urn:pulumi:"


@dataclass(frozen=True)
class Urn:
    stack: str
    project: str
    qualified_type: str  # parent types and this type, `$`-joined
    name: str

    @property
    def type(self) -> str:
        return self.qualified_type.rsplit("$", 1)[-1]

    def __str__(self) -> str:
        return f"{URN_PREFIX}{self.stack}::{self.project}::{self.qualified_type}::{self.name}"


def parse(urn: str) -> Urn:
    """Splits `urn:pulumi:STACK::PROJECT::QUALIFIED$TYPE::NAME` (the name may itself contain `::`)."""
    if not urn.startswith(URN_PREFIX):
        raise ValueError(f"not a URN: {urn!r}")
    stack, project, qualified_type, name = urn[len(URN_PREFIX) :].split("::", 3)
    return Urn(stack, project, qualified_type, name)


def make(stack: str, project: str, parent: str, type_: str, name: str) -> str:
    """The URN the engine gives a registration of `type_`/`name` under `parent` (`""`: no parent)."""
    prefix = ""
    if parent:
        parent_type = parse(parent).qualified_type
        if parent_type != STACK_TYPE:
            prefix = parent_type + "$"
    return str(Urn(stack, project, prefix + type_, name))


def alias_spec(alias: Any) -> dict[str, Any]:
    """An `alias_pb2.Alias` as the engine receives it, in plain JSON (what resources.json records)."""
    if alias.urn:
        return {"urn": alias.urn}
    spec = alias.spec
    fields = {"name": spec.name, "type": spec.type, "stack": spec.stack, "project": spec.project}
    out: dict[str, Any] = {k: v for k, v in fields.items() if v}
    if spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
        out["parentUrn"] = spec.parentUrn
    elif spec.noParent:
        out["noParent"] = True
    return out


def collapse(spec: dict[str, Any], urn: str, parent: str, old_urn_of: dict[str, str]) -> str:
    """`collapseAliasToUrn`: one alias of the registration `urn` (under `parent`) as a full URN."""
    if spec.get("urn"):
        return str(spec["urn"])
    me = parse(urn)
    alias_parent = str(spec.get("parentUrn") or "")
    if alias_parent:
        # A parent that was itself found through an alias: this resource's old URN sits under the old parent.
        alias_parent = old_urn_of.get(alias_parent, alias_parent)
    else:
        alias_parent = parent
    if spec.get("noParent") or (alias_parent and parse(alias_parent).qualified_type == STACK_TYPE):
        alias_parent = ""
    return make(
        str(spec.get("stack") or me.stack),
        str(spec.get("project") or me.project),
        alias_parent,
        str(spec.get("type") or me.type),
        str(spec.get("name") or me.name),
    )


def inherited(child_type: str, child_name: str, parent_name: str, parent_alias: str) -> str:
    """`inheritedChildAlias`: a child named `<parent>-x` follows its parent's old name to `<old parent>-x`."""
    old_parent = parse(parent_alias)
    name = child_name
    if child_name.startswith(parent_name):
        name = old_parent.name + child_name[len(parent_name) :]
    return str(Urn(old_parent.stack, old_parent.project, f"{old_parent.qualified_type}${child_type}", name))


def candidates(urn: str, parent: str, specs: list[dict[str, Any]], old_urn_of: dict[str, str]) -> list[str]:
    """`generateAliases`: every URN this registration may have had, in the engine's order (its own first)."""
    found: list[str] = [urn]

    def add(candidate: str) -> None:
        if candidate not in found:
            found.append(candidate)

    for spec in specs:
        add(collapse(spec, urn, parent, old_urn_of))
    parent_alias = old_urn_of.get(parent) if parent else None
    if parent_alias:
        me, parent_name = parse(urn), parse(parent).name
        add(inherited(me.type, me.name, parent_name, parent_alias))
        for spec in specs:
            aliased = parse(collapse(spec, urn, parent, old_urn_of))
            add(inherited(aliased.type, aliased.name, parent_name, parent_alias))
    return found
