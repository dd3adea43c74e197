"""Human and machine reports of a preview: the resource tree, policy findings, counts."""

from __future__ import annotations

from collections import Counter
from typing import Any

from offline.analyzer import Remediation, Violation
from offline.engine import STACK_TYPE, Resource, plain


def _children(resources: list[Resource]) -> dict[str, list[Resource]]:
    tree: dict[str, list[Resource]] = {}
    for r in resources:
        tree.setdefault(r.parent, []).append(r)
    return tree


def tree_lines(resources: list[Resource]) -> list[str]:
    """Rows like `pulumi preview`: indentation drawn from parent links, in registration order."""
    tree = _children(resources)
    known = {r.urn for r in resources}
    roots = [r for r in resources if not r.parent or r.parent not in known]
    rows: list[tuple[str, str]] = []

    def walk(r: Resource, prefix: str, last: bool, depth: int) -> None:
        branch = "" if depth == 0 else prefix + ("└─ " if last else "├─ ")
        rows.append((branch + r.type, r.name))
        kids = tree.get(r.urn, [])
        child_prefix = "" if depth == 0 else prefix + ("   " if last else "│  ")
        for i, kid in enumerate(kids):
            walk(kid, child_prefix, i == len(kids) - 1, depth + 1)

    for root in roots:
        walk(root, "", True, 0)
    width = max((len(t) for t, _ in rows), default=10) + 2
    lines = [f"     {'Type':<{width}}{'Name':<40}Plan"]
    lines += [f" +   {t:<{width}}{n:<40}create" for t, n in rows]
    return lines


def type_counts(resources: list[Resource]) -> dict[str, int]:
    return dict(sorted(Counter(r.type for r in resources).items()))


def stack_outputs(resources: list[Resource]) -> dict[str, Any]:
    stack = next((r for r in resources if r.type == STACK_TYPE), None)
    return plain(stack.outputs) if stack else {}


def _by_urn(resources: list[Resource]) -> dict[str, Resource]:
    return {r.urn: r for r in resources}


def text_report(
    stack: str,
    resources: list[Resource],
    violations: list[Violation],
    remediations: list[Remediation],
    policy_pack: str | None = None,
) -> str:
    lines = [f"Previewing update ({stack}) offline, under Pulumi's mock runtime:", ""]
    lines += tree_lines(resources)
    by_urn = _by_urn(resources)
    if violations or remediations:
        lines += ["", "Policies:"]
        for v in sorted(violations, key=lambda v: (v.level != "mandatory", v.policy, v.urn)):
            mark = "❌" if v.level == "mandatory" else "⚠️ "
            r = by_urn.get(v.urn)
            where = f"({r.type}: {r.name})" if r else "(stack)"
            lines.append(f"    {mark} [{v.level}]  {v.policy}  {where}")
            lines += [f"          {line}" for line in v.message.strip().splitlines()]
        for rem in remediations:
            r = by_urn.get(rem.urn)
            lines.append(f"    🔧 [remediated]  {rem.policy}  ({r.type if r else ''}: {r.name if r else rem.urn})")
    outputs = stack_outputs(resources)
    if outputs:
        lines += ["", "Outputs:"]
        lines += [f"    {k}: {v}" for k, v in sorted(outputs.items())]
    lines += ["", "Resources:", f"    + {len(resources)} to create", "", "By type:"]
    lines += [f"    {count:>4}  {t}" for t, count in type_counts(resources).items()]
    if policy_pack is None:  # "0 violations" would read as a pass that nothing checked
        lines += ["", "Policy violations: not checked, no policy pack (add --policy-pack policies)"]
        return "\n".join(lines)
    mandatory = sum(v.level == "mandatory" for v in violations)
    advisory = len(violations) - mandatory
    lines += ["", f"Policy violations: {mandatory} mandatory, {advisory} advisory (policy pack {policy_pack})"]
    return "\n".join(lines)


def json_report(
    stack: str,
    project: str,
    resources: list[Resource],
    violations: list[Violation],
    remediations: list[Remediation],
    levels: dict[str, str],
) -> dict[str, Any]:
    mandatory = sum(v.level == "mandatory" for v in violations)
    return {
        "project": project,
        "stack": stack,
        "resources": [{"urn": r.urn, "type": r.type, "name": r.name, "parent": r.parent or None} for r in resources],
        "outputs": stack_outputs(resources),
        "violations": [v.__dict__ for v in violations],
        "remediations": [r.__dict__ for r in remediations],
        "policyLevels": levels,
        "summary": {
            "resources": len(resources),
            "byType": type_counts(resources),
            "violations": {"mandatory": mandatory, "advisory": len(violations) - mandatory},
        },
    }
