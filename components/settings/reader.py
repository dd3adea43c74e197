"""Turns raw stack config into frozen dataclasses, collecting every error with its key.

The settings classes in ``model.py`` declare fields with ``fields.setting``; this module knows how to
read them: types are coerced the way ``pulumi config set`` stores values (strings), nested dataclasses
are objects, unknown keys are rejected with a did-you-mean, and each field may carry a check.
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import re
import types
import typing
from collections.abc import Mapping
from typing import Any, TypeVar

from components.settings.fields import Secret, camel
from components.settings.problems import NAMESPACE, problem, required

T = TypeVar("T")

_TRUE = {"true", "yes", "1"}
_FALSE = {"false", "no", "0"}


def describe(tp: Any) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false"}
    if tp in names:
        return names[tp]
    if dataclasses.is_dataclass(tp):
        return "an object"
    if typing.get_origin(tp) is tuple:
        return f"a list of {describe(typing.get_args(tp)[0]).split(' ', 1)[1]}s"
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
    if typing.get_origin(tp) is tuple:  # tuple[X, ...]: a YAML list, or `pulumi config set` JSON text
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, list):
            raise ValueError
        return tuple(_coerce(item, typing.get_args(tp)[0]) for item in value)
    if typing.get_origin(tp) in (dict, Mapping):
        if isinstance(value, str):
            value = json.loads(value)
        if not isinstance(value, dict) or any(isinstance(v, (dict, list)) for v in value.values()):
            raise ValueError
        return {str(k): str(v) for k, v in value.items()}
    raise ValueError


def _is_required(f: dataclasses.Field[Any], environment: str) -> bool:
    """No default at all, for any environment: the user must set it."""
    no_default = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    return no_default and environment not in f.metadata.get("env_default", {})


class Reader:
    """Reads one dataclass tree from raw config, collecting problems instead of stopping."""

    def __init__(self, environment: str, secret_keys: set[str]) -> None:
        self.environment = environment
        self.secret_keys = secret_keys
        self.problems: list[str] = []
        self.given: set[str] = set()  # dotted keys the stack file (or an override) set explicitly

    def problem(self, path: str, value: Any, allowed: str) -> None:
        self.problems.append(problem(path, value, allowed, secret=isinstance(value, Secret)))

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
            tp = unwrap_optional(hints[f.name])
            if tp is Secret:
                values[f.name] = self._secret(sub, raw.get(key), f.metadata.get("allowed", ""))
                continue
            if dataclasses.is_dataclass(tp):
                values[f.name] = self.read(tp, raw.get(key), sub)  # type: ignore[arg-type]
                continue
            allowed = f.metadata.get("allowed") or describe(tp)
            given = raw.get(key)
            if given is not None and not (given == "" and _is_required(f, self.environment)):
                self.given.add(sub)
                try:
                    value = _coerce(given, tp)
                except (ValueError, TypeError, json.JSONDecodeError):
                    self.problem(sub, given, allowed)
                    continue
            elif self.environment in f.metadata.get("env_default", {}):
                value = f.metadata["env_default"][self.environment]
            elif f.default is not dataclasses.MISSING:
                value = f.default
            elif f.default_factory is not dataclasses.MISSING:
                value = f.default_factory()
            else:  # absent, null or empty: a required setting is missing, never the string "None"
                self.problems.append(required(sub, allowed))
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
        if f"{NAMESPACE}:{path}" not in self.secret_keys:
            self.problems.append(
                f"{NAMESPACE}:{path} is given in plaintext; allowed: a secure value, set it "
                f"with `pulumi config set --secret {NAMESPACE}:{path} <value>`" + (f" ({allowed})" if allowed else "")
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
                f"{NAMESPACE}:{where} is not a known setting; {hint}"
                f"allowed keys{' under ' + path if path else ''}: {', '.join(sorted(known))}"
            )


def unwrap_optional(tp: Any) -> Any:
    args = [a for a in typing.get_args(tp) if a is not type(None)]
    if typing.get_origin(tp) in (typing.Union, types.UnionType) and len(args) == 1:
        return args[0]
    return tp


def _empty(tp: Any) -> Any:
    tp = unwrap_optional(tp)
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        hints = typing.get_type_hints(tp)
        return tp(**{f.name: _empty(hints[f.name]) for f in dataclasses.fields(tp)})
    if typing.get_origin(tp) is tuple:
        return ()
    return {str: "", int: 0, float: 0.0, bool: False, Secret: None}.get(tp, {})
