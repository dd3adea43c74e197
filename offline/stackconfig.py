"""Reads Pulumi.yaml and Pulumi.<stack>.yaml the way the CLI hands config to a program.

Objects become JSON strings, scalars strings; ``secure:`` values become placeholders whose keys
are marked secret, so the program sees secrets exactly where the real engine would.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline.errors import UsageError


from offline.errors import UsageError


@dataclass(frozen=True)
class StackConfig:
    project: str
    stack: str
    config: dict[str, str]
    secret_keys: frozenset[str]


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


def _set_path(config: dict[str, Any], key: str, value: str, project: str) -> None:
    """Sets `key` in the stack file's config (still holding its `secure:` values), like `config set --path`."""
    if ":" not in key:
        key = f"{project}:{key}"
    namespace, _, path = key.partition(":")
    top, *rest = path.split(".")
    full = f"{namespace}:{top}"
    if not rest:
        config[full] = value
        return
    node = config.get(full)
    if isinstance(node, str):
        try:
            node = json.loads(node)
        except json.JSONDecodeError:
            raise UsageError(f"--config {key}: {full} is not an object") from None
    if _is_secure(node) or not isinstance(node, (dict, type(None))):
        raise UsageError(f"--config {key}: {full} is not an object")
    node = dict(node or {})
    config[full] = node
    cursor = node
    for depth, part in enumerate(rest[:-1], start=1):
        child = cursor.get(part)
        if _is_secure(child) or not isinstance(child, (dict, type(None))):
            raise UsageError(f"--config {key}: {full}.{'.'.join(rest[:depth])} is not an object")
        cursor[part] = dict(child or {})
        cursor = cursor[part]
    cursor[rest[-1]] = _parse_cli_value(value)


def load(cwd: Path, stack: str, overrides: list[str]) -> StackConfig:
    project_file = cwd / "Pulumi.yaml"
    if not project_file.is_file():
        raise UsageError(f"no Pulumi.yaml in {cwd}: --cwd must name a Pulumi project directory")
    try:
        project = str(yaml.safe_load(project_file.read_text())["name"])
    except (yaml.YAMLError, TypeError, KeyError):
        raise UsageError(f"{project_file}: not a Pulumi project file (needs a `name:`)") from None
    stack_file = cwd / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        stacks = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in cwd.glob("Pulumi.*.yaml"))
        raise UsageError(f"no stack file {stack_file.name} in {cwd}; stacks here: {', '.join(stacks) or 'none'}")
    try:
        document = yaml.safe_load(stack_file.read_text()) or {}
    except yaml.YAMLError as err:
        raise UsageError(f"{stack_file.name} is not valid YAML: {err}") from None
    if not isinstance(document, dict) or not isinstance(document.get("config") or {}, dict):
        raise UsageError(f"{stack_file.name}: expected a mapping with a `config:` mapping")
    raw: dict[str, Any] = dict(document.get("config") or {})
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise UsageError(f"--config {item!r}: expected KEY=VALUE, e.g. greenlight:release.activeColor=green")
        # Like `pulumi config set [--path]` without --secret: the value given is plaintext, and an object
        # stays secret while any of its other values is still `secure:`.
        _set_path(raw, key, value, project)
    secret_keys: set[str] = set()
    config: dict[str, Any] = {}
    for key, value in raw.items():
        config[key], is_secret = _strip_secure(key, value)
        if is_secret:
            secret_keys.add(key)
    strings = {k: _as_config_string(v) for k, v in config.items()}
    return StackConfig(project, stack, strings, frozenset(secret_keys))
