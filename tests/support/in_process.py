"""The pack's servicers in this process, without gRPC: what tests compare, and what the coverage gate sees."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from google.protobuf import empty_pb2
from greenlight_policies import DEFAULT_LEVEL, PACK_NAME, all_policies
from greenlight_policies.server import PACK_VERSION, SharedViewServicer
from pulumi_policy import Policy
from pulumi_policy.policy import _PolicyAnalyzerServicer

from offline.analyzer import PolicyPack


class InProcessStub:
    """The Analyzer stub interface, answered by `servicer` in this process."""

    def __init__(self, servicer: _PolicyAnalyzerServicer) -> None:
        self.servicer = servicer

    def __getattr__(self, name: str) -> Callable[[Any], Any]:
        return lambda request: getattr(self.servicer, name)(request, None)


def sdk_servicer(policies: list[Policy] | None = None) -> _PolicyAnalyzerServicer:
    """pulumi_policy's own servicer, as `PolicyPack(...)` would serve the same policies."""
    return _PolicyAnalyzerServicer(PACK_NAME, PACK_VERSION, policies or all_policies(), DEFAULT_LEVEL)


def pack_servicer(policies: list[Policy] | None = None) -> SharedViewServicer:
    """The servicer policies/__main__.py serves."""
    return SharedViewServicer(PACK_NAME, policies or all_policies(), DEFAULT_LEVEL)


SERVICERS: dict[str, Callable[[], _PolicyAnalyzerServicer]] = {
    "pulumi_policy's servicer": sdk_servicer,
    "the pack's servicer": pack_servicer,
}


def in_process_pack(servicer: _PolicyAnalyzerServicer) -> PolicyPack:
    """offline.analyzer's client over a servicer in this process (per-resource calls; nothing to close)."""
    pack = PolicyPack.__new__(PolicyPack)
    pack.stub = InProcessStub(servicer)  # type: ignore[assignment]
    pack.info = pack.stub.GetAnalyzerInfo(empty_pb2.Empty())
    return pack
