"""Drives a policy pack over the analyzer gRPC protocol, as `pulumi preview --policy-pack` does.

The pack runs as its own process (`python <pack>/__main__.py`, port on its first stdout line);
we configure it, remediate and analyze each resource with its options, then analyze the stack.
"""

from __future__ import annotations

import json
import queue
import re
import subprocess
import sys
import tempfile
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import grpc
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc, plugin_pb2

from offline import urns
from offline.engine import Resource, is_secret, wrap_secret
from offline.packconfig import LEVEL_NAMES, LEVELS, read_pack_config, resolve_policy_config
from offline.stackconfig import StackConfig, UsageError

# How long a pack may take to print its port and answer; a pack that hangs must not hang CI.
STARTUP_SECONDS = 60
STOP_SECONDS = 10
STDERR_TAIL_CHARS = 2000
# Calls in flight at once. The engine analyzes resources in parallel too; keeping a few queued hides each
# call's round trip (about half a millisecond of gRPC plumbing) without holding the whole stack in flight.
PIPELINE_WINDOW = 64
# The Analyzer service's AnalyzeStack method (pulumi/runtime/proto/analyzer_pb2_grpc.py).
ANALYZE_STACK_METHOD = "/pulumirpc.Analyzer/AnalyzeStack"


@dataclass(frozen=True)
class Violation:
    policy: str
    pack: str
    level: str
    urn: str
    message: str
    description: str


@dataclass(frozen=True)
class Remediation:
    policy: str
    urn: str
    description: str


def encode_inputs(value: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(json.loads(json.dumps(value, default=str)))
    return message


def stack_part(item: analyzer_pb2.AnalyzerResource) -> bytes:
    """One resource's share of an AnalyzeStackRequest on the wire. Serialized messages concatenated are one
    message whose repeated fields hold every part's items in order
    (https://protobuf.dev/programming-guides/encoding/#last-one-wins), so the parts joined are the request."""
    return analyzer_pb2.AnalyzeStackRequest(resources=[item]).SerializeToString()


def _in_order(calls: Iterable[Callable[[], Any]], window: int = PIPELINE_WINDOW) -> Iterator[Any]:
    """The results of gRPC future calls, in call order, with up to `window` of them in flight."""
    pending: deque[Any] = deque()
    for call in calls:
        pending.append(call())
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


def _keep_secrets(before: Any, after: Any) -> Any:
    """A remediation may drop secret markers; what was secret before stays secret (as the engine does)."""
    if is_secret(before):
        return after if is_secret(after) else wrap_secret(after)
    if isinstance(before, dict) and isinstance(after, dict):
        return {k: _keep_secrets(before[k], v) if k in before else v for k, v in after.items()}
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [_keep_secrets(b, a) for b, a in zip(before, after, strict=True)]
    return after


class PolicyPack:
    """One running policy pack process and a stub speaking the Analyzer service.

    `connect=False` only starts the process: its start-up (importing the SDKs) then overlaps whatever
    runs next, such as the program; `connect()` waits for it.
    """

    def __init__(self, pack_dir: Path, startup_seconds: float = STARTUP_SECONDS, connect: bool = True) -> None:
        main = pack_dir / "__main__.py"
        if not main.is_file():
            raise UsageError(f"--policy-pack {pack_dir}: no __main__.py there")
        self.pack_dir = pack_dir
        self.startup_seconds = startup_seconds
        self.channel: grpc.Channel | None = None
        self._closed = False
        # stderr goes to a file and stdout is drained by a thread: a chatty pack never fills a pipe and blocks.
        self._stderr = tempfile.TemporaryFile(mode="w+")  # closed in close()
        self.process = subprocess.Popen(
            [sys.executable, "-u", str(main.resolve())],
            cwd=pack_dir,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=self._stderr,
            text=True,
        )
        self._lines: queue.Queue[str] = queue.Queue()
        self._drain = threading.Thread(target=self._drain_stdout, name="policy-pack-stdout", daemon=True)
        self._drain.start()
        if connect:
            self.connect()

    def _drain_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line)
        self._lines.put("")  # end of output: the pack exited

    def connect(self) -> None:
        """Waits for the port, the channel and GetAnalyzerInfo (each within the start-up time); once."""
        if self.channel is not None:
            return
        try:
            port = self._read_port(self.startup_seconds)
            self.channel = grpc.insecure_channel(f"127.0.0.1:{port}")
            try:
                grpc.channel_ready_future(self.channel).result(timeout=self.startup_seconds)
            except grpc.FutureTimeoutError:
                raise UsageError(self._failure(f"no gRPC server answered on port {port}")) from None
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
            self.info = self.stub.GetAnalyzerInfo(empty_pb2.Empty())
        except BaseException:
            self.close()  # never leave the pack process behind, whatever failed
            raise

    def _read_port(self, timeout: float) -> str:
        """The first stdout line (the port), within `timeout`; later output is read and dropped."""
        try:
            first = self._lines.get(timeout=timeout).strip()
        except queue.Empty:
            raise UsageError(self._failure(f"printed no port within {timeout:g}s")) from None
        if not first.isdigit():
            raise UsageError(self._failure(first or "exited before printing its port"))
        return first

    def _stderr_tail(self) -> str:
        self._stderr.flush()
        self._stderr.seek(0)
        return self._stderr.read().strip()[-STDERR_TAIL_CHARS:]

    def _failure(self, what: str) -> str:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=STOP_SECONDS)
        return f"policy pack {self.pack_dir} did not start: {self._stderr_tail() or what}"

    def rpc_error(self, err: grpc.RpcError) -> UsageError:
        """A failed call as one message: the pack's own error, not a gRPC dump."""
        details = err.details() if isinstance(err, grpc.Call) else str(err)
        return UsageError(f"policy pack {self.pack_dir} failed: {details}")

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self.channel is not None:
            self.channel.close()
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(timeout=STOP_SECONDS)
        self._drain.join(timeout=STOP_SECONDS)  # the pipe is at EOF once the process is gone
        if self.process.stdout is not None:
            self.process.stdout.close()
        self._stderr.close()

    def __enter__(self) -> PolicyPack:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # -- configuration -------------------------------------------------------------------------

    def configure(
        self, config_file: Path | None, stack: StackConfig, given: dict[str, Any] | None = None
    ) -> dict[str, str]:
        """Resolves levels and properties per policy, validates them, sends Configure.

        `given`: the config file's contents when already read (`read_pack_config`)."""
        policies = {p.name: p for p in self.info.policies}
        if given is None:
            given = read_pack_config(config_file) if config_file is not None else {}
        unknown = sorted(set(given) - set(policies) - {"all"})
        if unknown:
            raise UsageError(
                f"--policy-pack-config {config_file}: unknown policies {', '.join(unknown)}; "
                f"known: all, {', '.join(sorted(policies))}"
            )
        # The pack's own initial config is a PolicyConfig message per policy (as the engine reads it).
        initial: dict[str, dict[str, Any]] = {
            k: {"enforcementLevel": LEVEL_NAMES[v.enforcementLevel], **json_format.MessageToDict(v.properties)}
            for k, v in self.info.initialConfig.items()
        }
        request = analyzer_pb2.ConfigureAnalyzerRequest()
        levels: dict[str, str] = {}
        for name, policy in policies.items():
            level, properties = resolve_policy_config(name, policy, initial, given, config_file)
            request.policyConfig[name].enforcementLevel = LEVELS[level]  # type: ignore[assignment]
            request.policyConfig[name].properties.update(properties)
            levels[name] = level
        try:
            self.stub.ConfigureStack(
                analyzer_pb2.AnalyzerStackConfigureRequest(
                    stack=stack.stack,
                    project=stack.project,
                    dry_run=True,
                    config=stack.config,
                    config_secret_keys=sorted(stack.secret_keys),
                )
            )
        except grpc.RpcError as err:  # older SDKs do not implement it
            if err.code() != grpc.StatusCode.UNIMPLEMENTED:
                raise
        self.stub.Configure(request)
        return levels

    # -- analysis ------------------------------------------------------------------------------

    def _options(self, r: Resource) -> analyzer_pb2.AnalyzerResourceOptions:
        timeouts = analyzer_pb2.AnalyzerResourceOptions.CustomTimeouts(
            **{k: _seconds(v) for k, v in r.custom_timeouts.items()}
        )
        return analyzer_pb2.AnalyzerResourceOptions(
            protect=r.protect,
            ignoreChanges=r.ignore_changes,
            deleteBeforeReplace=bool(r.delete_before_replace),
            deleteBeforeReplaceDefined=r.delete_before_replace is not None,
            aliases=[urns.collapse(spec, r.urn, r.parent, {}) for spec in r.aliases],
            customTimeouts=timeouts,
            parent=r.parent,
        )

    def request(
        self,
        r: Resource,
        properties: struct_pb2.Struct | None = None,
        options: analyzer_pb2.AnalyzerResourceOptions | None = None,
    ) -> analyzer_pb2.AnalyzeRequest:
        """Remediate's and Analyze's request; `properties` and `options` where already made."""
        return analyzer_pb2.AnalyzeRequest(
            type=r.type,
            properties=properties if properties is not None else encode_inputs(r.inputs),
            urn=r.urn,
            name=r.name,
            options=options if options is not None else self._options(r),
        )

    def _apply(self, r: Resource, response: Any) -> list[Remediation]:
        """Rewrites the resource's inputs with each remediation, as the engine does before Analyze."""
        done = []
        for rem in response.remediations:
            if rem.HasField("properties"):
                r.inputs = _keep_secrets(r.inputs, json_format.MessageToDict(rem.properties))
                done.append(Remediation(rem.policyName, r.urn, rem.description))
        return done

    def remediate(self, r: Resource) -> list[Remediation]:
        """Applies remediations to the resource's inputs, as the engine does before Analyze."""
        return self._apply(r, self.stub.Remediate(self.request(r)))

    def analyze(self, r: Resource) -> list[Violation]:
        response = self.stub.Analyze(self.request(r))
        return [self._violation(d, r.urn) for d in response.diagnostics]

    def _future(self, method: Any, r: Resource, properties: struct_pb2.Struct) -> Any:
        return method.future(self.request(r, properties))

    def remediate_all(self, resources: list[Resource], encoded: Mapping[str, struct_pb2.Struct]) -> list[Remediation]:
        """`remediate` for each resource, calls pipelined; `encoded[urn]` (its inputs) is rewritten if remediated."""
        calls = (partial(self._future, self.stub.Remediate, r, encoded[r.urn]) for r in resources)
        done: list[Remediation] = []
        for r, response in zip(resources, _in_order(calls), strict=True):
            applied = self._apply(r, response)
            if applied:
                encoded[r.urn].CopyFrom(encode_inputs(r.inputs))
            done += applied
        return done

    def analyze_all(self, resources: list[Resource], encoded: Mapping[str, struct_pb2.Struct]) -> list[Violation]:
        """`analyze` for each resource (`encoded[urn]`: its inputs), calls pipelined; findings in order."""
        calls = (partial(self._future, self.stub.Analyze, r, encoded[r.urn]) for r in resources)
        pairs = zip(resources, _in_order(calls), strict=True)
        return [self._violation(d, r.urn) for r, response in pairs for d in response.diagnostics]

    def stack_item(
        self,
        r: Resource,
        properties: struct_pb2.Struct | None = None,
        options: analyzer_pb2.AnalyzerResourceOptions | None = None,
    ) -> analyzer_pb2.AnalyzerResource:
        """The resource as AnalyzeStack sees it: inputs, options (each where already made), graph."""
        item = analyzer_pb2.AnalyzerResource(
            type=r.type,
            properties=properties if properties is not None else encode_inputs(r.inputs),
            urn=r.urn,
            name=r.name,
            options=options if options is not None else self._options(r),
            parent=r.parent,
            dependencies=r.dependencies,
        )
        for key, dependencies in r.property_dependencies.items():
            item.propertyDependencies[key].urns.extend(dependencies)
        return item

    def stack_request(
        self, resources: list[Resource], encoded: Mapping[str, struct_pb2.Struct] | None = None
    ) -> analyzer_pb2.AnalyzeStackRequest:
        """Every resource with its inputs (`encoded[urn]` where already encoded), options and graph."""
        request = analyzer_pb2.AnalyzeStackRequest()
        for r in resources:
            request.resources.append(self.stack_item(r, encoded.get(r.urn) if encoded is not None else None))
        return request

    def analyze_stack(
        self, resources: list[Resource], request: analyzer_pb2.AnalyzeStackRequest | None = None
    ) -> list[Violation]:
        """AnalyzeStack over every resource (`request`: their stack_request, when already built)."""
        response = self.stub.AnalyzeStack(request if request is not None else self.stack_request(resources))
        return [self._violation(d, "") for d in response.diagnostics]

    def analyze_stack_parts(self, parts: Iterable[bytes]) -> list[Violation]:
        """AnalyzeStack sent as the concatenation of each resource's `stack_part`: the bytes stack_request's
        message serializes to, without every resource's message and one serialization of them all in memory
        at once (a 100-app preview's peak held both, about 60 MiB; benchmarks/scale_apps.py)."""
        assert self.channel is not None, "the pack is not connected"
        call = self.channel.unary_unary(  # the stub's AnalyzeStack, taking the request's bytes as they are
            ANALYZE_STACK_METHOD,
            request_serializer=bytes,
            response_deserializer=analyzer_pb2.AnalyzeResponse.FromString,
        )
        response = call(b"".join(parts))
        return [self._violation(d, "") for d in response.diagnostics]

    def _violation(self, d: Any, urn: str) -> Violation:
        return Violation(
            policy=d.policyName,
            pack=d.policyPackName or self.info.name,
            level=LEVEL_NAMES[d.enforcementLevel],
            urn=d.urn or urn,
            message=d.message,
            description=d.description,
        )


_DURATION_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


def _seconds(duration: str) -> float:
    """A Go duration string (`30m`, `1h30m`, `90s`) in seconds, as the engine hands timeouts to analyzers."""
    total, number = 0.0, ""
    for unit_or_digit in re.findall(r"[0-9.]+|[a-zµ]+", duration):
        if unit_or_digit[0].isdigit() or unit_or_digit[0] == ".":
            number = unit_or_digit
        else:
            total += float(number or 0) * _DURATION_UNITS.get(unit_or_digit, 0)
    return total


__all__ = ["PolicyPack", "Remediation", "Violation", "plugin_pb2"]
