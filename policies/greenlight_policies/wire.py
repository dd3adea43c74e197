"""The analyzer protocol's properties as Python: decoded once, or decoded lazily as the SDK would.

`decode` gives what pulumi_policy's MessageToDict + deserialize_properties give, in one pass. The lazy
classes stand in for the SDK's own structures (unknown-checking proxies, PolicyResources, remediation
props) and build them only when a policy reads them: greenlight's policies read plain views instead.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, TypeVar, overload

from google.protobuf import json_format, struct_pb2
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.secret import _DictSecretsProxy

T = TypeVar("T")


# -- decoding ---------------------------------------------------------------------------------------


def decode(struct: struct_pb2.Struct) -> dict[str, Any]:
    """Properties as plain Python, exactly as the SDK's MessageToDict + deserialize_properties give them.

    Numbers are floats, unknowns stay Pulumi's sentinel strings, secrets are unwrapped to their values,
    assets and archives become pulumi's Asset / Archive objects. One pass instead of two.
    """
    return {key: _value(value) for key, value in struct.fields.items()}


def _value(value: struct_pb2.Value) -> Any:
    kind = value.WhichOneof("kind")
    if kind == "string_value":  # the most common kind first
        return value.string_value
    if kind == "struct_value":
        data = {key: _value(item) for key, item in value.struct_value.fields.items()}
        # A secret, asset or archive: its children are decoded, the SDK unwraps the envelope.
        return deserialize_properties({"": data})[""] if SPECIAL_SIG_KEY in data else data
    if kind == "list_value":
        return [_value(item) for item in value.list_value.values]
    if kind == "number_value":
        if not math.isfinite(value.number_value):  # what json_format refuses too
            raise ValueError(f"Fail to serialize {value.number_value} for Value.number_value")
        return value.number_value
    if kind is None or kind == "null_value":
        return None
    return getattr(value, kind)


class Lazy(Mapping[str, Any]):
    """A mapping built on first use: the SDK's unknown-checking proxies cost more than every rule here."""

    def __init__(self, build: Callable[[], Mapping[str, Any]]) -> None:
        self._build: Callable[[], Mapping[str, Any]] | None = build
        self._value: Mapping[str, Any] = {}

    def _target(self) -> Mapping[str, Any]:
        if self._build is not None:
            self._value, self._build = self._build(), None
        return self._value

    def __getitem__(self, key: str) -> Any:
        return self._target()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._target())

    def __len__(self) -> int:
        return len(self._target())


class LazySequence(Sequence[T]):
    """A sequence built on first use (the stack's PolicyResources, for a policy that reads them)."""

    def __init__(self, build: Callable[[], list[T]]) -> None:
        self._build = build
        self._items: list[T] | None = None

    def _target(self) -> list[T]:
        if self._items is None:
            self._items = self._build()
        return self._items

    @overload
    def __getitem__(self, index: int) -> T: ...
    @overload
    def __getitem__(self, index: slice) -> Sequence[T]: ...
    def __getitem__(self, index: int | slice) -> T | Sequence[T]:
        return self._target()[index]

    def __len__(self) -> int:
        return len(self._target())


class LazyRemediationProps(_DictSecretsProxy):
    """What the SDK's Remediate hands policies, a secrets-preserving proxy over the deserialized inputs,
    with each top-level property deserialized on first read: a remediation that reads only metadata
    decodes only that. Iteration, `__target` and writes see the whole, in the SDK's key order.
    """

    def __init__(self, struct: struct_pb2.Struct) -> None:
        self._fields = struct.fields
        self._loaded: dict[str, Any] = {}
        self._complete = False
        super().__init__(self._loaded)

    def _load(self, key: str) -> None:
        if not self._complete and key not in self._loaded and key in self._fields:
            self._loaded[key] = _sdk_value(key, self._fields[key])

    def _load_all(self) -> None:
        if self._complete:
            return
        ordered = {k: self._loaded[k] if k in self._loaded else _sdk_value(k, v) for k, v in self._fields.items()}
        added = {k: v for k, v in self._loaded.items() if k not in ordered}  # written by a remediation
        self._loaded.clear()
        self._loaded.update({**ordered, **added})
        self._complete = True

    def __getitem__(self, key: Any) -> Any:
        self._load_all() if key == "__target" else self._load(key)
        return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._load(key)
        super().__setitem__(key, value)

    def __len__(self) -> int:
        self._load_all()
        return super().__len__()

    def __iter__(self) -> Iterator[Any]:
        self._load_all()
        return super().__iter__()


def _sdk_value(key: str, value: struct_pb2.Value) -> Any:
    """One top-level property as the SDK's Remediate deserializes it (secrets marked, dicts proxied)."""
    return deserialize_properties({key: json_format.MessageToDict(value)}, True)["__target"][key]
