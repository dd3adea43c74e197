"""Values keys a chart does not know: helm ignores them silently, so a typo or a removed option goes unseen.

helm itself checks values against the chart's values.schema.json (`helm template` fails on a violation).
This adds what the schema does not say: a key is known when the chart's values.yaml has it (any key under
a map that values.yaml leaves empty is free-form), when values.schema.json lists it, or when the chart's
templates name it (`.key` or `"key"` inside a template action, as `dig`/`index`/`hasKey` do). Values under a
subchart's name (or alias) are checked against that subchart too; `global` is free-form.
"""

from __future__ import annotations

import re
import tarfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

import yaml

FIELD_TOKEN = re.compile(r"\.([A-Za-z_][A-Za-z0-9_]*)")
STRING_TOKEN = re.compile(r'"([^"\\]*)"')
# `toYaml .Values.a.b`, `.Values.a.b | toYaml`, `with .Values.a.b` (whose body renders `.`): a.b is rendered whole.
WHOLESALE = re.compile(
    r"(?:toYaml|toJson|toPrettyJson|with)\s+\(?(?:omit\s+|pick\s+)?\(?\$?\.Values\.([\w.]+)"
    r"|\$?\.Values\.([\w.]+)\s*\|\s*toYaml"
)
GLOBAL_KEY = "global"


@dataclass
class ChartFiles:
    """The parts of a chart the check reads, from a directory or a `helm pull` archive."""

    values: dict[str, Any] = field(default_factory=dict)
    schema: dict[str, Any] = field(default_factory=dict)
    tokens: set[str] = field(default_factory=set)
    wholesale: set[str] = field(default_factory=set)  # value paths the templates render whole: free-form below
    subcharts: dict[str, ChartFiles] = field(default_factory=dict)


def _read_tree(chart: Path) -> dict[PurePosixPath, bytes]:
    """Every file of the chart by its path relative to the chart root."""
    if chart.is_dir():
        return {PurePosixPath(p.relative_to(chart).as_posix()): p.read_bytes() for p in chart.rglob("*") if p.is_file()}
    files: dict[PurePosixPath, bytes] = {}
    with tarfile.open(chart) as archive:
        for member in archive.getmembers():
            extracted = archive.extractfile(member) if member.isfile() else None
            if extracted is not None:
                files[PurePosixPath(*PurePosixPath(member.name).parts[1:])] = extracted.read()
    return files


def template_actions(text: str) -> list[str]:
    """The code inside each `{{ ... }}`, raw strings (`...`) left out: they may hold `}}` (dashboards do)."""
    actions: list[str] = []
    start = text.find("{{")
    while start != -1:
        i, code = start + 2, []
        while i < len(text) and not text.startswith("}}", i):
            if text[i] in '`"':
                end = text.find(text[i], i + 1)
                while text[i] == '"' and end != -1 and text[end - 1] == "\\":
                    end = text.find('"', end + 1)
                end = len(text) if end == -1 else end
                code.append(text[i : end + 1] if text[i] == '"' else " ")
                i = end + 1
                continue
            code.append(text[i])
            i += 1
        actions.append("".join(code))
        start = text.find("{{", i + 2)
    return actions


def _read_templates(chart: ChartFiles, text: str) -> None:
    for code in template_actions(text):
        chart.tokens |= set(FIELD_TOKEN.findall(code)) | set(STRING_TOKEN.findall(code))
        chart.wholesale |= {a or b for a, b in WHOLESALE.findall(code)}


def _load(files: dict[PurePosixPath, bytes]) -> ChartFiles:
    def yaml_of(name: str) -> Any:
        raw = files.get(PurePosixPath(name))
        return yaml.safe_load(raw) if raw else None

    chart = ChartFiles(values=yaml_of("values.yaml") or {}, schema=yaml_of("values.schema.json") or {})
    for path, raw in files.items():
        # values.yaml counts too: charts such as Loki keep config templates there, rendered with `tpl`.
        if path.parts[0] == "templates" or path == PurePosixPath("values.yaml"):
            _read_templates(chart, raw.decode(errors="replace"))
    dependencies = (yaml_of("Chart.yaml") or {}).get("dependencies") or []
    aliases = {d.get("name"): d.get("alias") or d.get("name") for d in dependencies}
    nested = {p.parts[1] for p in files if len(p.parts) > 2 and p.parts[0] == "charts"}
    for sub in nested:
        sub_files = {PurePosixPath(*p.parts[2:]): raw for p, raw in files.items() if p.parts[:2] == ("charts", sub)}
        meta = yaml.safe_load(sub_files.get(PurePosixPath("Chart.yaml"), b"{}")) or {}
        name = str(meta.get("name") or sub)
        chart.subcharts[aliases.get(name) or name] = _load(sub_files)
    return chart


def load_chart(chart: Path) -> ChartFiles:
    return _load(_read_tree(chart))


def _schema_child(schema: dict[str, Any], key: str) -> dict[str, Any] | None:
    """The sub-schema for `key`, or None when the schema does not list it."""
    if not isinstance(schema, dict):
        return None
    child = (schema.get("properties") or {}).get(key)
    if child is None and isinstance(schema.get("additionalProperties"), dict):
        child = schema["additionalProperties"]
    return child if isinstance(child, dict) else None


def _unknown(
    given: dict[str, Any], defaults: Any, schema: Any, chart: ChartFiles, path: tuple[str, str], out: list[str]
) -> None:
    """`path`: (shown: from the top chart, within: from this chart's values)."""
    shown, within = path
    for key, value in given.items():
        here = f"{shown}.{key}" if shown else str(key)
        rel = f"{within}.{key}" if within else str(key)
        in_defaults = isinstance(defaults, dict) and key in defaults
        default = defaults.get(key) if in_defaults else None
        sub_schema = _schema_child(schema, key)
        if not (in_defaults or sub_schema is not None or key in chart.tokens):
            out.append(here)
            continue
        free_form = (in_defaults and isinstance(default, dict) and not default) or rel in chart.wholesale
        if isinstance(value, dict) and not free_form and (isinstance(default, dict) or not in_defaults):
            _unknown(value, default if isinstance(default, dict) else None, sub_schema or {}, chart, (here, rel), out)


def _unknown_to_both(first: list[str], second: list[str]) -> list[str]:
    """Paths neither side knows: where one side stops at a parent key, the other's deeper path counts."""
    return sorted(
        {a for a in first for b in second if a == b or a.startswith(b + ".")}
        | {b for b in second for a in first if b.startswith(a + ".")}
    )


def unknown_in(chart: ChartFiles, values: dict[str, Any], path: str = "") -> list[str]:
    """Dotted paths of `values` keys the chart (and its subcharts) do not know."""
    found: list[str] = []
    for key, value in values.items():
        here = f"{path}.{key}" if path else str(key)
        if key == GLOBAL_KEY:
            continue
        if key in chart.subcharts and isinstance(value, dict):
            in_sub = unknown_in(chart.subcharts[key], value, here)
            in_parent: list[str] = []
            _unknown({key: value}, chart.values, chart.schema, chart, (path, ""), in_parent)
            found += _unknown_to_both(in_sub, in_parent)
            continue
        _unknown({key: value}, chart.values, chart.schema, chart, (path, ""), found)
    return found


def unknown_keys(chart: Path, values: dict[str, Any]) -> list[str]:
    """Notes for the preview report: one per values key the chart ignores."""
    try:
        files = load_chart(chart)
    except (OSError, tarfile.TarError, yaml.YAMLError) as err:
        return [f"values not checked for unknown keys: {err}"]
    unknown = unknown_in(files, values)
    return [f"unknown values key {key}: not in the chart's values.yaml, schema or templates" for key in unknown]
