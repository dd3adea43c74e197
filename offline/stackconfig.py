"""Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI hands config to a program.

Objects become JSON strings, scalars strings; ``secure:`` values become placeholders whose keys
are marked secret, so the program sees secrets exactly where the real engine would. As the CLI does,
keys without a namespace get the project's; unlike a lenient YAML parser, a key given twice is an
error (the YAML spec forbids it, and the CLI would keep only one of the two silently); an empty value
is no value, so a required setting left empty reads as missing.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline.errors import UsageError

EXAMPLE_OVERRIDE = "greenlight:release.activeColor=green"


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: frozenset[str]
    # `--config` overrides by the full key they set (`greenlight:app.replicas` -> `greenlight:app.replicas=4`).
    overrides: dict[str, str] = field(default_factory=dict)

    @property
    def stack_file(self) -> str:
        return f"Pulumi.{self.stack}.yaml"


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a mapping key given twice, naming the key and both lines."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, int] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)  # type: ignore[no-untyped-call]
            line = key_node.start_mark.line + 1
            if key in seen:
                problem = f"key {key!r} is given twice (lines {seen[key]} and {line}); keep one"
                raise yaml.constructor.ConstructorError(None, None, problem, key_node.start_mark)
            seen[key] = line
        return super().construct_mapping(node, deep=deep)


def read_yaml(path: Path) -> Any:
    """One YAML document; any problem (syntax, a duplicate key, unreadable) as one UsageError naming the file."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise UsageError(f"{path}: cannot read it: {err.strerror}") from None
    try:
        return yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as err:
        raise UsageError(f"{path.name} is not valid YAML: {' '.join(str(err).split())}") from None


def project_name(cwd: Path) -> str:
    project_file = cwd / "Pulumi.yaml"
    if not project_file.is_file():
        raise UsageError(f"no Pulumi.yaml in {cwd}: --cwd must name a Pulumi project directory")
    document = read_yaml(project_file)
    if not isinstance(document, dict) or not isinstance(document.get("name"), str) or not document["name"]:
        raise UsageError(f"{project_file}: not a Pulumi project file (needs a `name:`)")
    return str(document["name"])


def namespaced(config: dict[str, Any], project: str) -> dict[str, Any]:
    """`key` -> `<project>:key`, as the Pulumi CLI reads a stack file; empty (null) values dropped."""
    out: dict[str, Any] = {}
    for key, value in config.items():
        full = str(key) if ":" in str(key) else f"{project}:{key}"
        if value is not None:
            out[full] = _without_nulls(value)
    return out


def _without_nulls(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


def stack_config_document(cwd: Path, stack: str, project: str) -> dict[str, Any]:
    """The stack file's `config:` mapping, namespaced."""
    if not re.fullmatch(r"[A-Za-z0-9_.-]+", stack):
        raise UsageError(f"--stack {stack!r}: a stack name has letters, digits, '-', '_' and '.' only")
    stack_file = cwd / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in cwd.glob("Pulumi.*.yaml"))
        raise UsageError(f"no stack file {stack_file.name} in {cwd}; stacks here: {', '.join(stacks) or 'none'}")
    document = read_yaml(stack_file) or {}
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise UsageError(f"{stack_file.name}: expected a mapping with a `config:` mapping")
    return namespaced(dict(document.get("config") or {}), project)


def _placeholder(key: str) -> str:
    return f"offline-secret-{key.replace(':', '-')}"


def _strip_secure(key: str, value: Any) -> tuple[Any, bool]:
    """Replaces `{secure: ...}` (at any depth) with a placeholder; reports if any was found."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return _placeholder(key), True
        found = False
        out = {}
        for k, v in value.items():
            out[k], sub = _strip_secure(f"{key}.{k}", v)
            found |= sub
        return out, found
    if isinstance(value, list):
        items = [_strip_secure(f"{key}[{i}]", v) for i, v in enumerate(value)]
        return [v for v, _ in items], any(s for _, s in items)
    return value, False


def _as_config_string(value: Any) -> str:
    if isinstance(value, (dict, list)):
        return json.dumps(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _parse_cli_value(text: str) -> Any:
    """`pulumi config set --path` stores true/false and integers as such; the rest as strings."""
    if text in ("true", "false"):
        return text == "true"
    if text.lstrip("-").isdigit():
        return int(text)
    return text


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _object_at(node: Any, what: str) -> dict[str, Any]:
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except json.JSONDecodeError:
            pass
    if _is_secure(node) or not isinstance(node, (dict, type(None))):
        raise UsageError(f"{what} is not an object")
    return dict(node or {})


def _set_path(config: dict[str, Any], override: str, project: str) -> str:
    """Applies one `KEY=VALUE` like `pulumi config set --path`; returns the full key it set."""
    key, sep, value = override.partition("=")
    if not sep or not key or key.startswith(".") or key.endswith(".") or ".." in key:
        raise UsageError(f"--config {override!r}: expected KEY=VALUE, e.g. {EXAMPLE_OVERRIDE}")
    full_key = key if ":" in key else f"{project}:{key}"
    namespace, _, path = full_key.partition(":")
    top, *rest = path.split(".")
    full = f"{namespace}:{top}"
    if not rest:
        config[full] = value
        return full_key
    node = _object_at(config.get(full), f"--config {override}: {full}")
    config[full] = node
    cursor = node
    for depth, part in enumerate(rest[:-1], start=1):
        child = _object_at(cursor.get(part), f"--config {override}: {full}.{'.'.join(rest[:depth])}")
        cursor[part] = child
        cursor = child
    cursor[rest[-1]] = _parse_cli_value(value)
    return full_key


def load(cwd: Path, stack: str, overrides: list[str]) -> StackConfig:
    project = project_name(cwd)
    raw = stack_config_document(cwd, stack, project)
    applied: dict[str, str] = {}
    for item in overrides:
        # Like `pulumi config set [--path]` without --secret: the value given is plaintext, and an object
        # stays secret while any of its other values is still `secure:`.
        applied[_set_path(raw, item, project)] = item
    secret_keys: set[str] = set()
    config: dict[str, Any] = {}
    for key, value in raw.items():
        config[key], is_secret = _strip_secure(key, value)
        if is_secret:
            secret_keys.add(key)
    strings = {k: _as_config_string(v) for k, v in config.items()}
    return StackConfig(project, stack, strings, frozenset(secret_keys), applied)


_PROBLEM_KEY = re.compile(r"\b([A-Za-z0-9_-]+:[A-Za-z0-9_.\[\]-]+)")


def _overrides_in(problem: str, overrides: dict[str, str]) -> list[str]:
    """The overrides a settings problem is about: it names the overridden key, or a key above or below it."""
    keys = _PROBLEM_KEY.findall(problem)
    return [
        text
        for full, text in overrides.items()
        if any(k == full or k.startswith(full + ".") or full.startswith(k + ".") for k in keys)
    ]


def explain_settings_error(err: Exception, stack: StackConfig) -> UsageError | None:
    """A settings error (anything carrying `problems`) with each problem attributed to where its value came
    from: the `--config` override that set it, else the stack file as the overrides left it. None for any
    other error, or when there were no overrides (the error already names the stack file)."""
    problems = getattr(err, "problems", None)
    if not isinstance(problems, list) or not stack.overrides:
        return None
    given = ", ".join(f"--config {o}" for o in stack.overrides.values())
    lines = ["invalid settings:"]
    for problem in problems:
        source = _overrides_in(str(problem), stack.overrides)
        where = (
            "from " + ", ".join(f"--config {o}" for o in source) if source else f"in {stack.stack_file}, given {given}"
        )
        lines.append(f"  - {problem} ({where})")
    return UsageError("\n".join(lines))
