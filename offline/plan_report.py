"""A plan for people (text), for machines (JSON) and for pull requests (Markdown)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from offline.engine import plain
from offline.hazards import Hazard
from offline.k8s_diff import MISSING, Change
from offline.plan import CREATE, DELETE, IMPORT, REPLACE, SAME, UPDATE, Plan, Secret, Step

# Symbols as `pulumi preview` draws them; a replacement shows its order: +- creates first, -+ deletes first.
SYMBOLS = {CREATE: "+", UPDATE: "~", DELETE: "-", IMPORT: "=", SAME: " "}
COUNTED = (CREATE, UPDATE, REPLACE, DELETE, IMPORT, SAME)
MAX_VALUE_CHARS = 120  # a dashboard or a rules file is kilobytes; its start says enough in a plan
MAX_MARKDOWN_CHANGES = 12  # per step in the PR comment; the job summary artifact has the JSON in full


@dataclass(frozen=True)
class PlanReport:
    project: str
    stack: str
    base: str  # what the plan starts from, in words
    head: str
    plan: Plan
    hazards: list[Hazard]

    @property
    def changed(self) -> list[Step]:
        return [s for s in self.plan.steps if s.op != SAME]


def symbol(step: Step) -> str:
    if step.op == REPLACE:
        return "-+" if step.delete_first else "+-"
    return SYMBOLS[step.op]


def describe(step: Step) -> str:
    if step.op == REPLACE:
        return "replace (delete, then create)" if step.delete_first else "replace (create, then delete)"
    if step.op == DELETE and step.old is not None and step.old.retain_on_delete:
        return "delete (retain)"
    return step.op


def _shown(value: Any) -> Any:
    if value is MISSING:
        return None
    if isinstance(value, Secret):
        return "[secret]"
    if isinstance(value, dict):
        return {k: _shown(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_shown(v) for v in value]
    return plain(value)


def show(value: Any) -> str:
    if value is MISSING:
        return "(absent)"
    text = json.dumps(_shown(value), ensure_ascii=False, default=str)
    return text if len(text) <= MAX_VALUE_CHARS else text[: MAX_VALUE_CHARS - 1] + "…"


# How much of a long string to show before its first difference, so the difference is in view.
CONTEXT_CHARS = 40


def _around_difference(before: Any, after: Any) -> tuple[Any, Any]:
    """Two long strings cut to start shortly before they first differ (`…` marks the cut)."""
    if not (isinstance(before, str) and isinstance(after, str)) or max(len(before), len(after)) <= MAX_VALUE_CHARS:
        return before, after
    pairs = enumerate(zip(before, after, strict=False))
    first = next((i for i, (a, b) in pairs if a != b), min(len(before), len(after)))
    start = max(0, first - CONTEXT_CHARS)
    return ("…" + before[start:], "…" + after[start:]) if start else (before, after)


def change_line(change: Change) -> str:
    mark = "  (forces replacement)" if change.replaces else ""
    before, after = _around_difference(change.before, change.after)
    return f"{change.key}: {show(before)} → {show(after)}{mark}"


def summary(report: PlanReport) -> dict[str, int]:
    return {op: report.plan.count(op) for op in COUNTED}


def summary_line(report: PlanReport) -> str:
    counts = summary(report)
    words = {CREATE: "to create", UPDATE: "to update", REPLACE: "to replace", DELETE: "to delete"}
    parts = [f"{counts[op]} {word}" for op, word in words.items()]
    if counts[IMPORT]:
        parts.append(f"{counts[IMPORT]} to import")
    return ", ".join(parts) + f", {counts[SAME]} unchanged"


def text_report(report: PlanReport) -> str:
    lines = [
        f"Plan for stack {report.stack} (offline: the engine's and the Kubernetes provider's rules, no cluster)",
        f"  base: {report.base}",
        f"  head: {report.head}",
        "",
    ]
    for step in report.changed:
        lines.append(f" {symbol(step):<3}{describe(step):<32}{step.resource.type:<56}{step.resource.name}")
        lines += [f"        {change_line(c)}" for c in step.changes]
        lines += [f"        note: {note}" for note in step.notes]
        if step.blocked:
            lines.append(f"        BLOCKED: {step.blocked}")
    if not report.changed:
        lines.append(" (no changes)")
    lines += ["", "Hazards:" if report.hazards else "Hazards: none"]
    lines += [f"  ⚠ [{h.kind}] {h.message}" for h in report.hazards]
    lines += ["", f"Steps: {summary_line(report)}"]
    return "\n".join(lines)


def _step_json(step: Step) -> dict[str, Any]:
    changes = []
    for c in step.changes:
        item: dict[str, Any] = {"path": c.key, "forcesReplacement": c.replaces}
        if c.before is not MISSING:
            item["before"] = _shown(c.before)
        if c.after is not MISSING:
            item["after"] = _shown(c.after)
        changes.append(item)
    return {
        "op": step.op,
        "urn": step.urn,
        "oldUrn": step.old.urn if step.old else None,
        "type": step.resource.type,
        "name": step.resource.name,
        "deleteBeforeReplace": step.delete_first if step.op == REPLACE else None,
        "changes": changes,
        "blocked": step.blocked or None,
        "notes": step.notes,
    }


def json_report(report: PlanReport) -> dict[str, Any]:
    return {
        "project": report.project,
        "stack": report.stack,
        "base": report.base,
        "head": report.head,
        "steps": [_step_json(s) for s in report.changed],
        "hazards": [h.__dict__ for h in report.hazards],
        "summary": {**summary(report), "hazards": len(report.hazards)},
    }


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def markdown_report(report: PlanReport) -> str:
    """One section per stack for the PR comment: hazards first, then a table of steps, then the fields."""
    warn = f" · ⚠️ {len(report.hazards)} hazard{'s' if len(report.hazards) != 1 else ''}" if report.hazards else ""
    lines = [f"### `{report.stack}`: {summary_line(report)}{warn}", ""]
    lines += [f"> base: {report.base} · head: {report.head}", ""]
    if report.hazards:
        lines += ["**Hazards**", ""] + [f"- ⚠️ **{h.kind}**: {_cell(h.message)}" for h in report.hazards] + [""]
    if not report.changed:
        return "\n".join([*lines, "No steps: `pulumi up` would change nothing.", ""])
    lines += ["| | step | resource | type | changed fields |", "| --- | --- | --- | --- | --- |"]
    for step in report.changed:
        fields = ", ".join(f"`{_cell(c.key)}`{' ⟳' if c.replaces else ''}" for c in step.changes[:MAX_MARKDOWN_CHANGES])
        more = len(step.changes) - MAX_MARKDOWN_CHANGES
        fields += f" and {more} more" if more > 0 else ""
        blocked = " **blocked**" if step.blocked else ""
        lines.append(
            f"| `{symbol(step)}` | {describe(step)}{blocked} | `{_cell(step.resource.name)}` "
            f"| `{step.resource.type}` | {fields} |"
        )
    lines += ["", "⟳ forces a replacement.", ""]
    detailed = [s for s in report.changed if s.changes or s.notes]
    if detailed:
        lines += ["<details><summary>Changed fields, before → after</summary>", "", "```"]
        for step in detailed:
            lines.append(f"{symbol(step)} {step.resource.name} ({describe(step)})")
            lines += [f"    {change_line(c).replace('```', chr(39) * 3)}" for c in step.changes]
            lines += [f"    note: {n}" for n in step.notes]
        lines += ["```", "", "</details>", ""]
    return "\n".join(lines)
