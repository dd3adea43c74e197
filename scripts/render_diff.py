"""Diff two offline renders (base branch vs pull request) and print a Markdown report.

A render is what `python -m offline preview --render OUT` writes: `OUT/manifests/<ns>/<kind>-<name>.yaml`
and `OUT/helm/<release>.yaml`. Objects are matched by identity (kind, namespace, name; or Helm release),
so a reviewer sees which objects are added, removed or changed, and for a changed object which fields
changed, from what to what.

    python -m scripts.render_diff BASE HEAD                     # two render dirs
    python -m scripts.render_diff BASE_ROOT HEAD_ROOT --stack dev --stack prod   # ROOT/<stack> each
        [--plan PLAN.md ...] [--output FILE]

`--plan` puts the Markdown of `python -m offline plan --markdown` (one file per stack) above the diff, so
one PR comment says what `pulumi up` will do and which manifests change. The report goes to stdout, or
to `--output` (a new file, or one this script wrote: it starts with the comment marker). CI appends it
to $GITHUB_STEP_SUMMARY and posts it as a PR comment. Exit 0 on a successful diff (the diff informs
review, the policy pack and the plan's --fail-on-hazard gate); 2 on bad input, as one message.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

if __package__ in (None, ""):  # run as `python scripts/render_diff.py`: make the project importable
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from offline.errors import UsageError, fail
from offline.outdir import claim_file

# Hidden marker so the workflow can find and update its own PR comment instead of adding one per push.
COMMENT_MARKER = "<!-- greenlight-render-diff -->"
# GitHub rejects comment bodies above 65536 characters; stay clear of it with room for the footer.
DEFAULT_MAX_CHARS = 60_000
# A dashboard JSON or a rules file can be kilobytes long: show its start, the full value is in the artifact.
MAX_VALUE_CHARS = 160


@dataclass(frozen=True)
class FieldChange:
    path: str
    before: Any  # MISSING when the field was added
    after: Any  # MISSING when the field was removed


@dataclass
class StackDiff:
    stack: str
    added: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    changed: dict[str, list[FieldChange]] = field(default_factory=dict)
    unchanged: int = 0
    note: str = ""

    @property
    def is_empty(self) -> bool:
        return not (self.added or self.removed or self.changed)


class _Missing:
    def __repr__(self) -> str:
        return "<missing>"


MISSING: Any = _Missing()


def load_render(render_dir: Path) -> dict[str, Any]:
    """Object identity -> parsed document, for every manifest and Helm chart under `render_dir`."""
    objects: dict[str, Any] = {}
    for path in sorted((render_dir / "manifests").glob("*/*.yaml")):
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict):
                objects[_manifest_identity(doc, path)] = doc
    for path in sorted((render_dir / "helm").glob("*.yaml")):
        doc = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict):
            objects[f"HelmChart {doc.get('release', path.stem)}"] = doc
    return objects


def _manifest_identity(doc: Mapping[str, Any], path: Path) -> str:
    metadata = doc.get("metadata") or {}
    kind = doc.get("kind") or path.stem.split("-", 1)[0]
    name = metadata.get("name") or path.stem
    namespace = metadata.get("namespace") or ("" if path.parent.name == "_cluster" else path.parent.name)
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Leaf paths of a document: `spec.template.spec.containers[web].image`.

    Lists whose items all carry a `name` are keyed by it, so inserting a container or an env var
    shows as one added entry instead of every later index changing.
    """
    if isinstance(value, Mapping) and value:
        for key in value:
            yield from flatten(value[key], f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and value:
        named = all(isinstance(item, Mapping) and isinstance(item.get("name"), str) for item in value)
        for index, item in enumerate(value):
            yield from flatten(item, f"{prefix}[{item['name'] if named else index}]")
    else:
        yield prefix, value


def diff_objects(before: Any, after: Any) -> list[FieldChange]:
    old, new = dict(flatten(before)), dict(flatten(after))
    return [
        FieldChange(path, old.get(path, MISSING), new.get(path, MISSING))
        for path in sorted(old.keys() | new.keys())
        if old.get(path, MISSING) != new.get(path, MISSING)
    ]


def diff_renders(base_dir: Path, head_dir: Path, stack: str) -> StackDiff:
    result = StackDiff(stack)
    if not base_dir.is_dir():
        result.note = "base branch has no render for this stack: every object is new"
    base, head = load_render(base_dir) if base_dir.is_dir() else {}, load_render(head_dir)
    result.added = sorted(head.keys() - base.keys())
    result.removed = sorted(base.keys() - head.keys())
    for identity in sorted(base.keys() & head.keys()):
        changes = diff_objects(base[identity], head[identity])
        if changes:
            result.changed[identity] = changes
        else:
            result.unchanged += 1
    return result


def _show(value: Any) -> str:
    text = "(absent)" if value is MISSING else yaml.safe_dump(value, default_flow_style=True, width=10_000).strip()
    text = text.removesuffix("...").strip().replace("```", "'''")
    return text if len(text) <= MAX_VALUE_CHARS else text[:MAX_VALUE_CHARS] + "…"


def format_stack(diff: StackDiff) -> str:
    counts = (
        f"{len(diff.added)} added, {len(diff.removed)} removed, {len(diff.changed)} changed, {diff.unchanged} unchanged"
    )
    lines = [f"### `{diff.stack}`: {counts}", ""]
    if diff.note:
        lines += [f"> {diff.note}", ""]
    if diff.is_empty:
        return "\n".join([*lines, "No changes to rendered objects.", ""])
    lines += [f"- **added** `{identity}`" for identity in diff.added]
    lines += [f"- **removed** `{identity}`" for identity in diff.removed]
    lines += [f"- **changed** `{identity}` ({len(changes)} fields)" for identity, changes in diff.changed.items()]
    for identity, changes in diff.changed.items():
        lines += ["", f"<details><summary>{identity}</summary>", "", "```diff"]
        for change in changes:
            if change.before is not MISSING:
                lines.append(f"- {change.path}: {_show(change.before)}")
            if change.after is not MISSING:
                lines.append(f"+ {change.path}: {_show(change.after)}")
        lines += ["```", "", "</details>"]
    return "\n".join([*lines, ""])


PLAN_HEADER = "## What `pulumi up` will do: offline plan per stack"
DIFF_HEADER = "## Rendered manifests: base branch → this pull request"


def format_report(diffs: list[StackDiff], max_chars: int = DEFAULT_MAX_CHARS, plans: tuple[str, ...] = ()) -> str:
    header = [COMMENT_MARKER]
    if plans:
        header += [PLAN_HEADER, "", *[plan.strip() + "\n" for plan in plans]]
    header += [DIFF_HEADER, ""]
    body = "\n".join(header + [format_stack(diff) for diff in diffs])
    if len(body) > max_chars:
        cut = body.rfind("\n", 0, max_chars)
        body = body[: cut if cut > 0 else max_chars] + "\n\n… diff truncated; the full report is in the job artifact.\n"
    return body


def _read_plans(paths: list[Path]) -> tuple[str, ...]:
    plans = []
    for path in paths:
        try:
            plans.append(path.read_text(encoding="utf-8"))
        except OSError as err:
            raise UsageError(f"--plan {path}: cannot read it ({err.strerror})") from None
    return tuple(plans)


def run(args: argparse.Namespace) -> int:
    if args.max_chars < 1:
        raise UsageError(f"--max-chars {args.max_chars}: expected a positive number of characters")
    pairs = [(args.base / s, args.head / s, s) for s in args.stack] or [(args.base, args.head, args.head.name)]
    for _, head_dir, _ in pairs:
        if not head_dir.is_dir():
            raise UsageError(f"no render at {head_dir}: give the directory `python -m offline preview --render` wrote")
    if args.output:
        claim_file(args.output, "--output", COMMENT_MARKER)
    plans = _read_plans(args.plan)
    try:
        report = format_report([diff_renders(*pair) for pair in pairs], args.max_chars, plans)
    except (yaml.YAMLError, OSError) as err:
        raise UsageError(f"a render could not be read: {' '.join(str(err).split())}") from None
    if args.output:
        args.output.write_text(report, encoding="utf-8")
    else:
        sys.stdout.write(report)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("base", type=Path, help="render of the base branch (or the root holding one per stack)")
    parser.add_argument("head", type=Path, help="render of the pull request (or the root holding one per stack)")
    parser.add_argument("--stack", action="append", default=[], help="compare BASE/STACK with HEAD/STACK")
    parser.add_argument("--plan", action="append", type=Path, default=[], help="a plan's Markdown to put first")
    parser.add_argument("--output", type=Path, help="write the report here (a new file, or one this wrote)")
    parser.add_argument("--max-chars", type=int, default=DEFAULT_MAX_CHARS, help="truncate the report")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    try:
        return run(args)
    except Exception as err:  # noqa: BLE001 - one message and exit 2, a traceback only with --debug
        return fail(err, "render_diff", args.debug)


if __name__ == "__main__":
    sys.exit(main())
