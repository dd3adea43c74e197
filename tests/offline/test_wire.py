"""offline/wire.py reads a registration's inputs as the SDK's deserializer does, and the recording monitor's
fast path answers the program what Pulumi's mock monitor answers."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from google.protobuf import struct_pb2
from pulumi.runtime import mocks, rpc
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from offline import monitor, wire
from offline.analyzer import encode_inputs

SECRET = {rpc._special_sig_key: rpc._special_secret_sig, "value": "hunter2"}
# Registrations as components send them: nested objects, lists, numbers, nulls (dropped in objects,
# kept in lists), empty containers, unicode, and secrets at the top, inside objects and inside lists.
CASES: list[dict[str, Any]] = [
    {},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "web", "labels": {}}, "data": {"a": "b"}},
    {"spec": {"replicas": 3, "ratio": 0.5, "paused": False, "selector": None, "ports": [80, 443]}},
    {"list": [None, "x", {"k": None}], "empty": [], "text": "grüße ✓", "zero": 0},
    {"stringData": SECRET},
    {"metadata": {"name": "db"}, "stringData": {"password": SECRET, "user": "app"}},
    {"env": [{"name": "A", "value": "1"}, {"name": "B", "value": SECRET}]},
    {"deep": {"a": {"b": [{"c": SECRET}]}}},
    {"already": {rpc._special_sig_key: rpc._special_secret_sig, "value": {"inner": SECRET}}},
]


def struct(value: dict[str, Any]) -> struct_pb2.Struct:
    encoded: struct_pb2.Struct = _sync_await(rpc.serialize_properties(value, {}))
    return encoded


@pytest.mark.parametrize("value", CASES)
def test_plain_inputs_are_what_the_sdk_deserializes(value: dict[str, Any]) -> None:
    encoded = struct(value)
    assert wire.plain_inputs(encoded) == rpc.deserialize_properties(encoded)
    assert wire.plain_inputs(encoded) == monitor.properties(encoded)


@pytest.mark.parametrize("value", CASES)
def test_a_struct_said_to_be_exact_is_what_the_analyzer_would_encode(value: dict[str, Any]) -> None:
    """The pack then gets the program's struct as it is: it must be the encoding of the recorded inputs."""
    encoded = struct(value)
    inputs, exact = wire.read_inputs(encoded)
    secret_or_null = "hunter2" in str(value) or "None" in str(value)
    assert exact == (not secret_or_null)
    if exact:
        assert encode_inputs(inputs) == encoded


def test_a_null_member_is_dropped_and_a_secret_member_makes_its_object_secret() -> None:
    inputs = wire.plain_inputs(struct({"a": None, "b": {"c": SECRET, "d": 1}}))
    assert inputs == {"b": {rpc._special_sig_key: rpc._special_secret_sig, "value": {"c": "hunter2", "d": 1.0}}}


@pytest.mark.parametrize(
    "value",
    [
        {"image": rpc.UNKNOWN},
        {"file": pulumi.StringAsset("text")},
        {"odd": {rpc._special_sig_key: "not-a-known-signature"}},
    ],
    ids=["unknown", "asset", "special object"],
)
def test_anything_else_is_left_to_the_sdk(value: dict[str, Any]) -> None:
    with pytest.raises(wire.NotPlain):
        wire.plain_inputs(struct(value))


def _request(type_: str, value: dict[str, Any]) -> resource_pb2.RegisterResourceRequest:
    return resource_pb2.RegisterResourceRequest(type=type_, name="web", custom=True, object=struct(value))


@pytest.mark.parametrize("type_", ["kubernetes:core/v1:Secret", "docker-build:index:Image"])
@pytest.mark.parametrize("value", [*CASES[1:], {"imageName": "ghcr.io/acme/web:1.0"}])
def test_the_fast_path_answers_what_the_mock_monitor_answers(type_: str, value: dict[str, Any]) -> None:
    """Same URN, id and outputs as the SDK reads them; the image mock's extra outputs included."""
    mocks.set_mocks(monitor.OfflineMocks(), project="greenlight", stack="test", preview=True)
    request = _request(type_, value)
    fast, inputs, _ = monitor.RecordingMonitor(monitor.OfflineMocks())._register(request)
    slow = mocks.MockMonitor.RegisterResource(monitor.RecordingMonitor(monitor.OfflineMocks()), request)
    assert (fast.urn, fast.id) == (slow.urn, slow.id)
    assert rpc.deserialize_properties(fast.object) == rpc.deserialize_properties(slow.object)
    assert inputs == monitor.properties(request.object)
