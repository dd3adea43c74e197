"""Serves the pack over the analyzer protocol, decoding each request's resources once for all policies.

pulumi_policy's own servicer decodes a resource's properties again for every resource policy (Analyze)
and every resource again for every stack policy (AnalyzeStack): some 25 decodings per resource for this
pack, most of its time. This servicer extends it (pulumi-policy is pinned in policies/requirements.txt)
and keeps what it answers: GetAnalyzerInfo and Configure are the SDK's own; Analyze, AnalyzeStack and
Remediate keep its levels, messages, not-applicable and unknown-value answers step for step, but decode
once and hand every policy the same plain view (stackview.ViewArgs / StackViewArgs). The SDK's proxied
`props` and `resources` are still there for a policy that reads them, built on first read (wire.py).
tests/policies/test_server.py checks that both servicers answer alike, response for response.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping, Sequence
from concurrent import futures
from functools import cached_property, partial
from inspect import isawaitable
from types import MappingProxyType
from typing import Any

import grpc
from google.protobuf import struct_pb2
from pulumi.runtime import proto
from pulumi.runtime.proto import analyzer_pb2_grpc
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    PolicyResource,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import serialize_properties
from pulumi_policy.policy import _GRPC_CHANNEL_OPTIONS, _NotApplicableError, _PolicyAnalyzerServicer
from pulumi_policy.proxy import UnknownValueError, unknown_checking_proxy

from greenlight_policies.stackview import Obj, Stack, StackViewArgs, ViewArgs
from greenlight_policies.wire import Lazy, LazyRemediationProps, LazySequence, decode

# Python policy packs report this version; the CLI shows PulumiPolicy.yaml's instead (as PolicyPack does).
PACK_VERSION = "0.0.1"
# The SDK's server: 4 workers (the engine may analyze resources concurrently), its message size limit.
WORKERS = 4


# -- one request, decoded once ------------------------------------------------------------------------


class _Resource:
    """One resource of a request: decoded once, shared by every policy."""

    def __init__(self, servicer: SharedViewServicer, message: Any, dependencies: Sequence[str] = ()) -> None:
        self.message = message
        self.opts = servicer._get_resource_options(message)
        self.provider: PolicyProviderResource | None = servicer._get_provider_resource(message)
        self.dependencies = tuple(dependencies)
        self._decode = servicer.decoded

    @cached_property
    def data(self) -> dict[str, Any]:
        return self._decode(self.message.properties)

    @cached_property
    def view(self) -> Obj:
        m = self.message
        return Obj(m.urn, m.type, m.name, self.data, bool(self.opts.protect), self.dependencies)

    def props(self) -> Mapping[str, Any]:
        """The SDK's read-only, unknown-checking proxies over the same data."""
        return Lazy(lambda: unknown_checking_proxy(self.data))


class _StackRequest:
    """An AnalyzeStack request's resources: decoded once; the Stack view and PolicyResources on demand."""

    def __init__(self, servicer: SharedViewServicer, request: Any) -> None:
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
        self._remediate: list[ResourceValidationPolicy] | None = None
        # Properties decoded by Analyze, by their bytes: AnalyzeStack then sends the same ones again.
        self._decoded: dict[bytes, dict[str, Any]] = {}

    def Configure(self, request: Any, context: Any) -> Any:
        self._enabled, self._remediate = {}, None  # levels change only here
        return super().Configure(request, context)

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        self._stack_tags = MappingProxyType(dict(request.tags))
        return super().ConfigureStack(request, context)

    def decoded(self, properties: struct_pb2.Struct) -> dict[str, Any]:
        """`decode(properties)`, once per distinct properties until the stack has been analyzed."""
        key = properties.SerializeToString(deterministic=True)
        found = self._decoded.get(key)
        if found is None:
            found = self._decoded[key] = decode(properties)
        return found

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

    def _remediating(self) -> list[ResourceValidationPolicy]:
        """Resource policies at level remediate: the ones Remediate runs."""
        if self._remediate is None:
            resource_policies = [p for p in self._policies if isinstance(p, ResourceValidationPolicy)]
            remediate = EnforcementLevel.REMEDIATE
            self._remediate = [p for p in resource_policies if self._get_enforcement_level(p) == remediate]
        return self._remediate

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
            resources = LazySequence(shared.policy_resources)
            args = StackViewArgs(resources, self._get_policy_config(policy.name), self._stack_tags)  # type: ignore[arg-type]
            args.stack = shared.stack
            report = self._report(response, policy, level)
            self._run(response, policy, partial(policy.validate, args, report))
        self._decoded = {}  # the engine's last call: nothing will ask for these again
        return response

    def Remediate(self, request: Any, _context: Any) -> Any:
        """The SDK's Remediate, step for step, but over props decoded only as far as remediations read them."""
        self._configure_runtime_settings()
        response = proto.RemediateResponse()
        props: Mapping[str, Any] = LazyRemediationProps(request.properties)
        opts, provider = self._get_resource_options(request), self._get_provider_resource(request)
        for policy in self._remediating():
            if not policy.has_remediation():
                reason = "Policy does not implement remediate"
                response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=reason))
                continue
            config = self._get_policy_config(policy.name)
            args = ResourceValidationArgs(
                request.type, props, request.urn, request.name, opts, provider, config, self._stack_tags
            )
            props = self._remediate_one(response, policy, args) or props
        return response

    def _remediate_one(
        self, response: Any, policy: ResourceValidationPolicy, args: ResourceValidationArgs
    ) -> Mapping[str, Any] | None:
        """One remediation: its new props (then also in the response), its diagnostic, or not applicable."""
        new_props, rpc_props, diagnostic = None, None, None
        try:
            result = policy.remediate(args)
            new_props = _completed(result) if isawaitable(result) else result
            if new_props:
                rpc_props = struct_pb2.Struct()
                for key, value in serialize_properties(new_props).items():
                    rpc_props[key] = value
        except UnknownValueError as e:
            diagnostic = (
                f"can't run remediation '{policy.name}' from policy pack "
                f"'{self._pack_name}@v{PACK_VERSION}' during preview: {e.message}"
            )
        except _NotApplicableError as e:
            response.not_applicable.append(proto.PolicyNotApplicable(policy_name=policy.name, reason=e.reason or ""))
        if rpc_props or diagnostic:
            response.remediations.append(
                proto.Remediation(
                    policyName=policy.name,
                    policyPackName=self._pack_name,
                    policyPackVersion=PACK_VERSION,
                    description=policy.description,
                    properties=rpc_props,
                    diagnostic=diagnostic or "",
                )
            )
        return new_props or None

    def _run(self, response: Any, policy: Policy, validate: Callable[[], Any]) -> None:
        """Runs one validation as the SDK does: awaits it, turns unknowns and not-applicable into answers."""
        try:
            result = validate()
            if result is not None and isawaitable(result):
                _completed(result)
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


def _completed(awaitable: Any) -> Any:
    """An async policy's result, run to completion on a loop of its own (as the SDK runs it)."""
    loop = asyncio.new_event_loop()
    task = asyncio.Task(awaitable, loop=loop)
    result = loop.run_until_complete(task)
    loop.close()
    return result


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
