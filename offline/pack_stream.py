"""The policy pack analyzing resources while the program still registers them, as the engine does.

`pulumi preview` calls an analyzer's Remediate and then Analyze for a resource when the resource's step is
generated, while the program goes on registering, and AnalyzeStack once the program is done. The offline
engine does the same: the recording monitor hands each recorded resource to `AnalysisStream.submit`; one
thread configures the pack (once its process is up) and sends each resource's Remediate, and each answer
sends that resource's Analyze, with up to PIPELINE_WINDOW resources in flight. The pack's process so works
on the other core while the program runs. `finish` returns what `run_pack` always returned: remediations
and findings in registration order, then the stack's.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime.proto.analyzer_pb2 import AnalyzeRequest

from offline.analyzer import PIPELINE_WINDOW, PolicyPack, Remediation, Violation, encode_inputs, stack_part
from offline.engine import STACK_TYPE, Resource
from offline.monitor import Observe
from offline.packconfig import read_pack_config
from offline.stackconfig import StackConfig

_END = None  # put on the queue by finish(): no more resources


class AnalysisStream:
    """Remediate + Analyze per submitted resource in the background; AnalyzeStack in `finish`."""

    def __init__(self, pack: PolicyPack, config_file: Path | None, stack: StackConfig) -> None:
        self.pack = pack
        self.levels: dict[str, str] = {}
        self._queue: queue.SimpleQueue[tuple[Resource, struct_pb2.Struct | None] | None] = queue.SimpleQueue()
        self._slots = threading.BoundedSemaphore(PIPELINE_WINDOW)
        self._requests: dict[str, AnalyzeRequest] = {}  # Remediate's, until the resource's Analyze is sent
        # Each analyzed resource's share of AnalyzeStack's request, as bytes: compact, and holding no message
        # of the program's (a struct the SDK sent keeps its whole request alive).
        self._parts: dict[str, bytes] = {}
        self._remediations: dict[str, list[Remediation]] = {}
        self._violations: dict[str, list[Violation]] = {}
        self._errors: list[BaseException] = []
        # Read here, in the caller's thread and working directory (the program may change it), so a bad file
        # is reported before the program runs.
        given = read_pack_config(config_file) if config_file is not None else {}
        self._thread = threading.Thread(
            target=self._run, args=(config_file, stack, given), name="policy-pack-analysis", daemon=True
        )
        self._thread.start()

    def submit(self, resource: Resource, sent: struct_pb2.Struct | None = None) -> None:
        """Queues a recorded resource (any thread); the Stack is analyzed only as part of the stack.

        `sent`: the inputs as the program sent them, when that is exactly `resource.inputs` (the recording
        monitor knows): what `encode_inputs` would make, so it is not made again."""
        if resource.type != STACK_TYPE:
            self._queue.put((resource, sent))

    def _run(self, config_file: Path | None, stack: StackConfig, given: dict[str, Any]) -> None:
        try:
            self.pack.connect()
            self.levels = self.pack.configure(config_file, stack, given)
            for resource, sent in iter(self._queue.get, _END):
                self._slots.acquire()
                if self._errors:
                    self._slots.release()
                    continue  # keep draining: the program still submits; finish() reports the error
                self._send(resource, sent)
            for _ in range(PIPELINE_WINDOW):  # every call answered
                self._slots.acquire()
        except BaseException as err:  # noqa: BLE001 - handed to finish(), which raises it in the caller
            self._errors.append(err)

    def _send(self, resource: Resource, sent: struct_pb2.Struct | None) -> None:
        encoded = sent if sent is not None else encode_inputs(resource.inputs)
        request = self._requests[resource.urn] = self.pack.request(resource, encoded)
        call = self.pack.stub.Remediate.future(request)
        call.add_done_callback(partial(self._guarded, self._remediated, resource))

    def _guarded(self, step: Callable[[Resource, Any], None], resource: Resource, call: Any) -> None:
        """Runs a step on a call's answer (in gRPC's thread); an error frees the resource's slot."""
        try:
            step(resource, call)
        except BaseException as err:  # noqa: BLE001 - handed to finish()
            self._errors.append(err)
            self._slots.release()

    def _remediated(self, resource: Resource, call: Any) -> None:
        """Applies the remediations, as the engine does before Analyze, then asks Analyze."""
        applied = self._remediations[resource.urn] = self.pack._apply(resource, call.result())
        request = self._requests.pop(resource.urn)  # Analyze's request too, unless a remediation changed inputs
        if applied:
            request = self.pack.request(resource, encode_inputs(resource.inputs), request.options)
        analyze = self.pack.stub.Analyze.future(request)
        self._parts[resource.urn] = stack_part(self.pack.stack_item(resource, request.properties, request.options))
        analyze.add_done_callback(partial(self._guarded, self._analyzed, resource))

    def _analyzed(self, resource: Resource, call: Any) -> None:
        self._violations[resource.urn] = [self.pack._violation(d, resource.urn) for d in call.result().diagnostics]
        self._slots.release()

    def finish(self, resources: list[Resource]) -> tuple[list[Violation], list[Remediation], dict[str, str]]:
        """Waits for every submitted resource, then AnalyzeStack over `resources` (the program's, in order)."""
        self._queue.put(_END)
        self._thread.join()
        try:
            if self._errors:
                raise self._errors[0]
            analyzed = [r for r in resources if r.type != STACK_TYPE]
            remediations = [rem for r in analyzed for rem in self._remediations[r.urn]]
            violations = [v for r in analyzed for v in self._violations[r.urn]]
            parts = (self._parts.get(r.urn) or stack_part(self.pack.stack_item(r)) for r in resources)
            violations += self.pack.analyze_stack_parts(parts)
        except grpc.RpcError as err:  # a policy raised: the pack's message, not a gRPC dump
            raise self.pack.rpc_error(err) from None
        return violations, remediations, self.levels

    def stop(self) -> None:
        """Ends the thread without waiting for answers (the program failed); the caller closes the pack."""
        self._queue.put(_END)


class StreamWhileRunning:
    """What `capture` takes as its observer: an AnalysisStream started once the stack's settings are read."""

    def __init__(self, pack: PolicyPack, config_file: Path | None) -> None:
        self.pack = pack
        self.config_file = config_file
        self.stream: AnalysisStream | None = None

    def __call__(self, stack: StackConfig) -> Observe:
        self.stream = AnalysisStream(self.pack, self.config_file, stack)
        return self.stream.submit

    def finish(self, resources: list[Resource]) -> tuple[list[Violation], list[Remediation], dict[str, str]]:
        assert self.stream is not None, "the program has not run"
        return self.stream.finish(resources)

    def stop(self) -> None:
        if self.stream is not None:
            self.stream.stop()


def run_pack(
    pack: PolicyPack | Path, config_file: Path | None, stack: StackConfig, resources: list[Resource]
) -> tuple[list[Violation], list[Remediation], dict[str, str]]:
    """Configure, Remediate and Analyze each resource, AnalyzeStack; then the pack is stopped.

    `pack`: a pack started earlier (its start-up overlapping other work), or the directory of one to start.
    The preview streams the program's resources instead (AnalysisStream); this is the same path for a
    list that is already complete.
    """
    if not isinstance(pack, PolicyPack):
        pack = PolicyPack(pack, connect=False)
    with pack:
        stream = AnalysisStream(pack, config_file, stack)
        for resource in resources:
            stream.submit(resource)
        return stream.finish(resources)
