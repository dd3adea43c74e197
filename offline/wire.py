"""Resource inputs off the wire, as the Pulumi SDK deserializes them, in one pass.

`rpc.deserialize_properties` (pulumi/runtime/rpc.py) is what the mock monitor and the offline engine used
per registration, after a JSON round trip to turn resource references into URNs: three passes over every
object. `plain_inputs` makes the same dict in one pass for what programs register almost always (strings,
numbers, booleans, nulls, lists, objects and secrets) and says so when it meets anything else (unknowns,
assets, archives, resource references, output values), which the caller then hands to the SDK.
The SDK's rules kept here: a null member of an object is dropped (kept in a list); a secret inside an
object or list makes that object or list secret, holding the plain values (up to the top-level property,
which is not wrapped itself); numbers stay floats.
"""

from __future__ import annotations

from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import rpc

SIG_KEY = rpc._special_sig_key
SECRET_SIG = rpc._special_secret_sig


class NotPlain(Exception):
    """The struct holds a value only the SDK's deserializer reproduces (an unknown, asset, reference ...)."""


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def _wrap(value: Any) -> Any:
    return value if is_secret(value) else {SIG_KEY: SECRET_SIG, "value": value}


def _unwrap(value: Any) -> Any:
    return value["value"] if is_secret(value) else value


class _Reader:
    """One struct's read; `dropped_null` says whether a null member was left out (the struct then holds
    more than the inputs say)."""

    __slots__ = ("dropped_null",)

    def __init__(self) -> None:
        self.dropped_null = False

    def value(self, value: struct_pb2.Value) -> Any:
        kind = value.WhichOneof("kind")
        if kind == "string_value":
            text = value.string_value
            if text == rpc.UNKNOWN:
                raise NotPlain("unknown")
            return text
        if kind == "number_value":
            return value.number_value
        if kind == "bool_value":
            return value.bool_value
        if kind == "struct_value":
            return self.object(value.struct_value)
        if kind == "list_value":
            items = [self.value(v) for v in value.list_value.values]
            return _wrap([_unwrap(v) for v in items]) if any(is_secret(v) for v in items) else items
        if kind == "null_value":
            return None
        raise NotPlain("a value without a kind")

    def members(self, struct: struct_pb2.Struct) -> dict[str, Any]:
        members = {}
        for key, value in struct.fields.items():
            item = self.value(value)
            if item is not None:  # the SDK treats a null member as absent
                members[key] = item
            else:
                self.dropped_null = True
        return members

    def object(self, struct: struct_pb2.Struct) -> Any:
        fields = struct.fields
        if SIG_KEY in fields:
            signature = fields[SIG_KEY]
            secret = signature.WhichOneof("kind") == "string_value" and signature.string_value == SECRET_SIG
            if secret and "value" in fields:
                return _wrap(self.value(fields["value"]))
            raise NotPlain("a special object")
        members = self.members(struct)
        if any(is_secret(v) for v in members.values()):
            return _wrap({k: _unwrap(v) for k, v in members.items()})
        return members


def read_inputs(struct: struct_pb2.Struct) -> tuple[dict[str, Any], bool]:
    """`plain_inputs(struct)`, and whether the struct is exactly those inputs as JSON (no secret, no null
    member): then it is what `offline.analyzer.encode_inputs` would make of them, and need not be made."""
    if SIG_KEY in struct.fields:
        raise NotPlain("a special object")
    reader = _Reader()
    inputs = reader.members(struct)
    # A secret anywhere makes its top-level property secret, so looking at the top is enough.
    exact = not reader.dropped_null and not any(is_secret(v) for v in inputs.values())
    return inputs, exact


def plain_inputs(struct: struct_pb2.Struct) -> dict[str, Any]:
    """`rpc.deserialize_properties(struct)` for structs of plain values and secrets; NotPlain otherwise."""
    return read_inputs(struct)[0]
