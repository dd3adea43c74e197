"""Serves the pack over the analyzer protocol, decoding each request's resources once for all policies.

pulumi_policy's own servicer decodes a resource's properties again for every resource policy (Analyze)
and every resource again for every stack policy (AnalyzeStack): some 25 decodings per resource for this
pack, most of its time. This servicer extends it (pulumi-policy is pinned in policies/requirements.txt)
and keeps what it answers: GetAnalyzerInfo, Configure and Remediate are the SDK's own; Analyze and
AnalyzeStack keep its levels, messages and not-applicable / unknown-value diagnostics, but decode once
and hand every policy the same plain view (stackview.ViewArgs / StackViewArgs). The SDK's proxied
`props` and `resources` are still there for a policy that reads them, built on first read.
tests/test_policies_server.py checks both servicers answer alike.
"""

from __future__ import annotations

import asyncio
import math
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from concurrent import futures
from functools import cached_property, partial
from inspect import isawaitable
from types import MappingProxyType
from typing import Any, TypeVar, overload

import grpc
from google.protobuf import json_format, struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import SPECIAL_SIG_KEY, deserialize_properties
from pulumi_policy.policy import _GRPC_CHANNEL_OPTIONS, _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from greenlight_policies.stackview import Obj, Stack, StackViewArgs, ViewArgs

# Python policy packs report this version; the CLI shows PulumiPolicy.yaml's instead (as PolicyPack does).
PACK_VERSION = "0.0.1"
# The SDK's server: 4 workers (the engine may analyze resources concurrently), its message size limit.
WORKERS = 4
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


class _Lazy(Mapping[str, Any]):
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


class _LazySequence(Sequence[T]):
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


# -- one request, decoded once ------------------------------------------------------------------------


class _Resource:
    """One resource of a request: decoded once, shared by every policy."""

    def __init__(self, servicer: _PolicyAnalyzerServicer, message: Any, dependencies: Sequence[str] = ()) -> None:
        self.message = message
        self.opts = servicer._get_resource_options(message)
        self.provider: PolicyProviderResource | None = servicer._get_provider_resource(message)
        self.dependencies = tuple(dependencies)

    @cached_property
    def data(self) -> dict[str, Any]:
        return decode(self.message.properties)

    @cached_property
    def view(self) -> Obj:
        m = self.message
        return Obj(m.urn, m.type, m.name, self.data, bool(self.opts.protect), self.dependencies)

    def props(self) -> Mapping[str, Any]:
        """The SDK's read-only, unknown-checking proxies over the same data."""
        return _Lazy(lambda: unknown_checking_proxy(self.data))


class _StackRequest:
    """An AnalyzeStack request's resources: decoded once; the Stack view and PolicyResources on demand."""

    def __init__(self, servicer: _PolicyAnalyzerServicer, request: Any) -> None:
        present = {r.urn for r in request.resources}
        self.resources = [
            _Resource(servicer, r, [d for d in r.dependencies if d in present]) for r in request.resources
        ]

    @cached_property
    def stack(self) -> Stack:
        return Stack([r.view for r in self.resources])

    def policy_resources(self) -> list[PolicyResource]:
        """What the SDK hands stack policies: parent, dependencies and property dependencies linked."""
        by_urn: dict[str, PolicyResource] = {}
        for r in self.resources:
            m = r.message
            by_urn[m.urn] = PolicyResource(m.type, r.props(), m.urn, m.name, r.opts, r.provider, None, [], {})
        for r in self.resources:
            m, resource = r.message, by_urn[r.message.urn]
            resource.parent = by_urn.get(m.parent) if m.parent else None
            resource.dependencies = [by_urn[d] for d in r.dependencies]
            resource.property_dependencies = {
                key: [by_urn[u] for u in deps.urns if u in by_urn] for key, deps in m.propertyDependencies.items()
            }
        return list(by_urn.values())


# -- the servicer -------------------------------------------------------------------------------------


class SharedViewServicer(_PolicyAnalyzerServicer):
    """pulumi_policy's servicer, but every policy of a request reads one decoding of it."""

    def __init__(self, name: str, policies: list[Policy], enforcement_level: EnforcementLevel) -> None:
        super().__init__(name, PACK_VERSION, policies, enforcement_level)
        self._pack_name = name
        self._policies = policies
        self._stack_tags: Mapping[str, str] = MappingProxyType({})
        self._enabled: dict[type[Policy], list[tuple[Policy, EnforcementLevel]]] = {}

    def Configure(self, request: Any, context: Any) -> Any:
        self._enabled = {}  # levels change only here
        return super().Configure(request, context)

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._stack_tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def _active(self, kind: type[Policy]) -> list[tuple[Policy, EnforcementLevel]]:
        """Enabled policies of `kind` with the level their findings carry (remediate reports as mandatory)."""
        if kind not in self._enabled:
            levels = [(policy, self._get_enforcement_level(policy)) for policy in self._policies]
            self._enabled[kind] = [
                (policy, EnforcementLevel.MANDATORY if level == EnforcementLevel.REMEDIATE else level)
                for policy, level in levels
                if level != EnforcementLevel.DISABLED and isinstance(policy, kind)
            ]
        return self._enabled[kind]

    def _report(self, response: Any, policy: Policy, level: EnforcementLevel) -> ReportViolation:
        return self._create_report_violation(response, policy.name, policy.description, level, policy.severity)

    def Analyze(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        resource = _Resource(self, request)
        for policy, level in self._active(ResourceValidationPolicy):
            assert isinstance(policy, ResourceValidationPolicy)
            if not policy.has_validation():
                response.not_applicable.append(
                    proto.PolicyNotApplicable(policy_name=policy.name, reason="Policy does not implement validate")
                )
                continue
            args = ViewArgs(
                request.type,
                resource.props(),
                request.urn,
                request.name,
                resource.opts,
                resource.provider,
                self._get_policy_config(policy.name),
                self._stack_tags,
            )
            args.view = resource.view
            report = self._report(response, policy, level)
            self._run(response, policy, partial(policy.validate, args, report))
        return response

    def AnalyzeStack(self, request: Any, _context: Any) -> Any:
        self._configure_runtime_settings()
        response = proto.AnalyzeResponse()
        shared = _StackRequest(self, request)
        for policy, level in self._active(StackValidationPolicy):
            assert isinstance(policy, StackValidationPolicy)
            # Like the SDK, each policy gets PolicyResources of its own (built only if it reads them).
            resources = _LazySequence(shared.policy_resources)
            args = StackViewArgs(resources, self._get_policy_config(policy.name), self._stack_tags)  # type: ignore[arg-type]
            args.stack = shared.stack
            report = self._report(response, policy, level)
            self._run(response, policy, partial(policy.validate, args, report))
        return response

    def _run(self, response: Any, policy: Policy, validate: Callable[[], Any]) -> None:
        """Runs one validation as the SDK does: awaits it, turns unknowns and not-applicable into answers."""
        try:
            result = validate()
            if result is not None and isawaitable(result):
                loop = asyncio.new_event_loop()
                loop.run_until_complete(asyncio.Task(result, loop=loop))  # type: ignore[arg-type]
                loop.close()
        except UnknownValueError as e:
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy.name,
                    policyPackName=self._pack_name,
                    policyPackVersion=PACK_VERSION,
                    message=(
                        f"can't run policy '{policy.name}' from policy pack "
                        f"'{self._pack_name}@v{PACK_VERSION}' during preview: {e.message}"
                    ),
                    urn="",
                    description=policy.description,
                    enforcementLevel=self._map_enforcement_level(EnforcementLevel.ADVISORY),
                )
            )
        except _NotApplicableError as e:
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or ""))


def serve(name: str, policies: list[Policy], enforcement_level: EnforcementLevel) -> None:
    """Serves the pack as pulumi_policy.PolicyPack does: port on the first stdout line, then forever."""
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=WORKERS), options=_GRPC_CHANNEL_OPTIONS)
    analyzer_pb2_grpc.add_AnalyzerServicer_to_server(SharedViewServicer(name, policies, enforcement_level), server)
    port = server.add_insecure_port(address="127.0.0.1:0")
    server.start()
    sys.stdout.buffer.write(f"{port}\n".encode())
    sys.stdout.flush()
    try:
        server.wait_for_termination()
    except KeyboardInterrupt:
        server.stop(0)


__all__ = ["SharedViewServicer", "decode", "json_format", "serve"]
