"""Turns raw stack config into frozen dataclasses, collecting every error with its key.

The settings classes in ``settings.py`` declare fields; this module knows how to read them:
types are coerced the way ``pulumi config set`` stores values (strings), nested dataclasses
are objects, unknown keys are rejected with a did-you-mean, and each field may carry a check.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import typing
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

T = TypeVar("T")

# A check returns None when the value is fine, else the sentence "allowed: ..." explains.
Check = Callable[[Any], bool]


class ConfigError(Exception):
    """Raised before any resource is registered; every line names file, key, value, allowed."""

    def __init__(self, stack_file: str, problems: list[str]) -> None:
        self.stack_file = stack_file
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid settings in {stack_file}:\n{lines}")


@dataclass(frozen=True)
class Secret:
    """A secret setting. It has no plaintext accessor: it leaves only as a Pulumi secret."""

    _value: str = field(repr=False)

    def output(self) -> Any:
        import pulumi

        return pulumi.Output.secret(self._value)

    def __str__(self) -> str:
        return "[secret]"


def setting(
    default: Any = dataclasses.MISSING,
    *,
    check: Check | None = None,
    allowed: str = "",
    env_default: Mapping[str, Any] | None = None,
    doc: str = "",
) -> Any:
    """Declares a settings field: its default, per-environment defaults, check and docs."""
    meta = {"check": check, "allowed": allowed, "env_default": env_default or {}, "doc": doc}
    if isinstance(default, (dict, list)):
        frozen = dict(default) if isinstance(default, dict) else tuple(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    if dataclasses.is_dataclass(default) and not isinstance(default, type):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)


_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def _describe(tp: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if tp in names:
        return names[tp]
    if dataclasses.is_dataclass(tp):
        return "an object"
    return "a map of strings" if typing.get_origin(tp) in (dict, Mapping) else str(tp)


def _coerce(value: Any, tp: Any) -> Any:
    """Coerces like Pulumi config: strings hold numbers and booleans. Raises ValueError."""
    if tp is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
            return value.lower() in _TRUE
        raise ValueError
    if tp is int:
        if isinstance(value, bool):
            raise ValueError
        if isinstance(value, int):
            return value
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value.strip()):
            return int(value)
        raise ValueError
    if tp is float:
        if isinstance(value, bool):
            raise ValueError
        return float(value)
    if tp is str:
        if isinstance(value, (dict, list)) or isinstance(value, bool):
            raise ValueError
        return str(value)
    if typing.get_origin(tp) in (dict, Mapping):
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, dict) or any(isinstance(v, (dict, list)) for v in value.values()):
            raise ValueError
        return {str(k): str(v) for k, v in value.items()}
    raise ValueError


class Reader:
    """Reads one dataclass tree from raw config, collecting problems instead of stopping."""

    def __init__(self, environment: str, namespace: str, secret_keys: set[str]) -> None:
        self.environment = environment
        self.namespace = namespace
        self.secret_keys = secret_keys
        self.problems: list[str] = []

    def problem(self, path: str, value: Any, allowed: str) -> None:
        shown = json.dumps(value) if not isinstance(value, Secret) else "[secret]"
        self.problems.append(f"{self.namespace}:{path} = {shown} is not allowed; allowed: {allowed}")

    def read(self, cls: type[T], raw: Any, path: str = "") -> T:
        hints = typing.get_type_hints(cls)
        fields = [f for f in dataclasses.fields(cls) if f.init]  # type: ignore[arg-type]
        if isinstance(raw, str):
            try:
                raw = json.loads(raw)
            except json.JSONDecodeError:
                pass
        if raw is None:
            raw = {}
        if not isinstance(raw, dict):
            self.problem(path, raw, f"an object with keys {', '.join(camel(f.name) for f in fields)}")
            raw = {}
        self._reject_unknown(raw, [camel(f.name) for f in fields], path)
        values: dict[str, Any] = {}
        for f in fields:
            key = camel(f.name)
            sub = f"{path}.{key}" if path else key
            tp = _unwrap_optional(hints[f.name])
            if tp is Secret:
                values[f.name] = self._secret(sub, raw.get(key), f.metadata.get("allowed", ""))
                continue
            if dataclasses.is_dataclass(tp):
                values[f.name] = self.read(tp, raw.get(key), sub)  # type: ignore[arg-type]
                continue
            if key in raw:
                try:
                    value = _coerce(raw[key], tp)
                except (ValueError, TypeError, json.JSONDecodeError):
                    self.problem(sub, raw[key], f.metadata.get("allowed") or _describe(tp))
                    continue
            elif self.environment in f.metadata.get("env_default", {}):
                value = f.metadata["env_default"][self.environment]
            elif f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:
                self.problem(sub, None, f"{f.metadata.get('allowed') or _describe(tp)} (required)")
                continue
            check = f.metadata.get("check")
            if check is not None and not check(value):
                self.problem(sub, value, f.metadata["allowed"])
            values[f.name] = value
        try:
            return cls(**values)
        except TypeError:
            # A required field failed; problems already say which. Fill with defaults by type.
            filler = {f.name: values.get(f.name, _empty(hints[f.name])) for f in fields}
            return cls(**filler)

    def _secret(self, path: str, value: Any, allowed: str) -> Secret | None:
        """Secrets must arrive encrypted (`pulumi config set --secret`), never in plaintext."""
        if value is None or value == "":
            return None
        if f"{self.namespace}:{path}" not in self.secret_keys:
            self.problems.append(
                f"{self.namespace}:{path} is given in plaintext; allowed: a secure value, set it "
                f"with `pulumi config set --secret {self.namespace}:{path} <value>`"
                + (f" ({allowed})" if allowed else "")
            )
            return None
        if not isinstance(value, str):
            self.problem(path, "[secret]", "a string")
            return None
        return Secret(value)

    def _reject_unknown(self, raw: dict[str, Any], known: list[str], path: str) -> None:
        for key in raw:
            if key in known:
                continue
            near = difflib.get_close_matches(key, known, n=1, cutoff=0.6)
            hint = f"did you mean '{near[0]}'? " if near else ""
            where = f"{path}.{key}" if path else key
            self.problems.append(
                f"{self.namespace}:{where} is not a known setting; {hint}"
                f"allowed keys{' under ' + path if path else ''}: {', '.join(sorted(known))}"
            )


def _unwrap_optional(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, __import__("types").UnionType) and len(args) == 1:
        return args[0]
    return tp


def _empty(tp: Any) -> Any:
    tp = _unwrap_optional(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _empty(hints[f.name]) for f in dataclasses.fields(tp)})
    return {str: "", int: 0, float: 0.0, bool: False, Secret: None}.get(tp, {})


def field_docs(cls: type, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, default, doc) rows for the README's settings reference, nested keys dotted."""
    rows: list[tuple[str, str, str, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = f"{prefix}{camel(f.name)}"
        tp = _unwrap_optional(hints[f.name])
        if tp is Secret:
            rows.append((key, "secret", "unset", f.metadata.get("doc", "")))
            continue
        if dataclasses.is_dataclass(tp):
            rows.extend(field_docs(tp, key + "."))  # type: ignore[arg-type]
            continue
        default = f.default if f.default is not dataclasses.MISSING else None
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        per_env = f.metadata.get("env_default", {})
        shown = "required" if default is None and not per_env else json.dumps(default)
        if per_env:
            shown = ", ".join(f"{env}: {json.dumps(v)}" for env, v in per_env.items())
            if default is not None:
                shown += f", else {json.dumps(default)}"
        kind = "secret" if tp is Secret else (f.metadata.get("allowed") or _describe(tp))
        rows.append((key, kind, shown, f.metadata.get("doc", "")))
    return rows
