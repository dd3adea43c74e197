"""The pack's servicer answers exactly as pulumi_policy's own does, response for response.

It decodes each request once and shares the view (greenlight_policies/server.py); pulumi_policy decodes
per policy. Compared here on every policy case, on values the protocol carries (secrets, unknowns,
assets) and with policies that read the SDK's own proxies (props, provider, stack resources and graph),
report asynchronously or declare themselves not applicable.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format, struct_pb2
from greenlight_policies import all_policies
from greenlight_policies.server import decode
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.deserialize import deserialize_properties
from pulumi_policy.policy import _PolicyAnalyzerServicer

from offline.analyzer import PolicyPack, encode_inputs
from offline.engine import Resource, wrap_secret
from offline.stackconfig import StackConfig
from tests.policies.test_protocol import ALL_CASES, CONFIG
from tests.support.in_process import in_process_pack, pack_servicer, sdk_servicer
from tests.support.policy_edits import NO_REMEDIATION, Case, set_in
from tests.support.policy_fixtures import PROJECT, STACK, Spec, changed, compliant, resources
from tests.support.preview import preview

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # pulumi.runtime.rpc.UNKNOWN: not known until `pulumi up`
ASSET_SIG = {"4dabf18193072939515e22adb298388d": "c44067f5952c0a294b673a41bacd8c17", "text": "hello"}
ARCHIVE_SIG = {"4dabf18193072939515e22adb298388d": "0def7320c3a5731c473e5ecbe6d01bc7", "assets": {"a": ASSET_SIG}}


def outcome(servicer: _PolicyAnalyzerServicer, method: str, request: Any) -> Any:
    """A response as plain data, or the error a policy raised (both servicers must fail alike too)."""
    try:
        return json_format.MessageToDict(getattr(servicer, method)(request, None))
    except Exception as err:  # noqa: BLE001 - the error is part of the answer being compared
        return f"{type(err).__name__}: {err}"


class Pair:
    """The same policies behind pulumi_policy's servicer and the pack's, configured alike."""

    def __init__(self, policies: list[Any] | None = None) -> None:
        self.servicers: list[_PolicyAnalyzerServicer] = [sdk_servicer(policies), pack_servicer(policies)]
        self.packs: list[PolicyPack] = [in_process_pack(s) for s in self.servicers]

    def configure(self, config: Path) -> None:
        for pack in self.packs:
            pack.configure(config, StackConfig(PROJECT, STACK, {}, frozenset()))

    def answers(self, stack: list[Resource], provider: analyzer_pb2.AnalyzerProviderResource | None = None) -> None:
        """Every call of a preview, each compared: Remediate and Analyze per resource, then AnalyzeStack."""
        sdk, ours = self.servicers
        for r in stack:
            request = self.packs[0].request(r)
            if provider is not None:
                request.provider.CopyFrom(provider)
            for method in ("Remediate", "Analyze"):
                assert outcome(ours, method, request) == outcome(sdk, method, request), (method, r.urn)
        request = self.packs[0].stack_request(stack)
        assert outcome(ours, "AnalyzeStack", request) == outcome(sdk, "AnalyzeStack", request)


@pytest.fixture(scope="module")
def strict(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("policy-config") / "strict.json"
    path.write_text(json.dumps({"all": "mandatory"}))
    return path


def config_for(env: str, strict: Path) -> Path:
    return strict if env == NO_REMEDIATION else CONFIG / f"{env}.json"


@pytest.mark.parametrize(("policy", "case"), ALL_CASES)
def test_every_case_gets_the_same_answers(policy: str, case: Case, strict: Path) -> None:
    pair = Pair()
    pair.configure(config_for(case.env, strict))
    pair.answers(resources(case.build()))


def _unknown_labels(s: dict[str, Any]) -> None:
    s["metadata"]["labels"] = UNKNOWN


def _unknown_metadata(s: dict[str, Any]) -> None:
    s["metadata"] = UNKNOWN


def _secret_values(specs: dict[str, Spec]) -> None:
    config = specs["am-config"].inputs
    config["stringData"] = wrap_secret(config["stringData"])
    specs["active"].inputs["metadata"]["labels"]["team"] = wrap_secret("payments")


def _assets(specs: dict[str, Spec]) -> None:
    specs["active"].inputs["metadata"]["annotations"] = {"asset": ASSET_SIG, "archive": ARCHIVE_SIG}


def _remediated_with_secrets(specs: dict[str, Spec]) -> None:
    _secret_values(specs)
    specs["am-config"].inputs["metadata"]["labels"].pop("app.kubernetes.io/managed-by")
    specs["active"].inputs["metadata"]["labels"].pop("app.kubernetes.io/managed-by")


EDGES: dict[str, Callable[[dict[str, Spec]], None]] = {
    "remediated objects holding secrets": _remediated_with_secrets,
    "labels not known until the update": set_in("active", _unknown_labels),
    "metadata not known until the update": set_in("active", _unknown_metadata),
    "secret values": _secret_values,
    "assets and archives": _assets,
}


@pytest.mark.parametrize("env", ["dev", "prod", NO_REMEDIATION])
@pytest.mark.parametrize("edge", sorted(EDGES))
def test_values_the_protocol_carries_get_the_same_answers(edge: str, env: str, strict: Path) -> None:
    pair = Pair()
    pair.configure(config_for(env, strict))
    pair.answers(resources(changed(EDGES[edge])))


def test_the_repository_prod_stack_gets_the_same_answers() -> None:
    pair = Pair()
    pair.configure(CONFIG / "prod.json")
    pair.answers([r for r in preview("prod").resources if r.type != "pulumi:pulumi:Stack"])


# -- policies that use the SDK's own API, not greenlight's views -----------------------------------------


def _reads_proxies(args: ResourceValidationArgs, report: ReportViolation) -> None:
    metadata = args.props.get("metadata") or {}
    image = args.props["spec"]["template"]["spec"]["containers"][0]["image"] if args.name == "blue" else ""
    provider = dict(args.provider.props) if args.provider else None
    report(f"{args.name} {metadata.get('name')} {sorted(args.props)} {image} {provider} {args.opts.protect}", None)


async def _reports_later(args: ResourceValidationArgs, report: ReportViolation) -> None:
    report(f"async {args.urn}", None)


def _not_applicable(args: ResourceValidationArgs, report: ReportViolation) -> None:
    args.not_applicable("nothing to judge")


def _rewrites_through_the_proxies(args: ResourceValidationArgs) -> Mapping[str, Any] | None:
    """Writes through the SDK's props (secretness kept) and returns them whole, keys in their order."""
    if args.name not in ("am-config", "blue"):
        return None
    props = args.props
    props["metadata"] = {**dict(props["metadata"]), "annotations": {"seen": str(len(props))}}  # type: ignore[index]
    props["extra"] = list(props)  # type: ignore[index]
    return props


def _reads_the_graph(args: StackValidationArgs, report: ReportViolation) -> None:
    for r in args.resources:
        deps = [d.name for d in r.dependencies]
        properties = {k: [d.name for d in v] for k, v in r.property_dependencies.items()}
        parent = r.parent.name if r.parent else None
        report(f"{r.name} parent={parent} deps={deps} props={properties} keys={sorted(r.props)}", r.urn)


SDK_POLICIES = [
    ResourceValidationPolicy(name="reads-proxies", description="Checks proxies.", validate=_reads_proxies),
    ResourceValidationPolicy(name="reports-later", description="Checks awaits.", validate=_reports_later),
    ResourceValidationPolicy(name="not-applicable", description="Checks nothing.", validate=_not_applicable),
    ResourceValidationPolicy(name="rewrites", description="Rewrites props.", remediate=_rewrites_through_the_proxies),
    StackValidationPolicy(name="reads-the-graph", description="Checks the graph.", validate=_reads_the_graph),
]


@pytest.mark.parametrize("level", ["mandatory", "remediate"])
@pytest.mark.parametrize("image", ["ghcr.io/acme/web:1.4.2", UNKNOWN])
def test_policies_reading_the_sdk_api_get_the_same_answers(image: str, level: str, tmp_path: Path) -> None:
    pair = Pair([*SDK_POLICIES, *all_policies()])
    config = tmp_path / "config.json"
    config.write_text(json.dumps({"all": level}))
    pair.configure(config)
    specs = changed(
        _secret_values,
        lambda s: s["blue"].inputs["spec"]["template"]["spec"]["containers"][0].update(image=image),
    )
    stack = resources(specs)
    stack[1].property_dependencies = {"spec": [stack[0].urn]}
    provider = analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:kubernetes", urn="urn:pulumi:test::greenlight::pulumi:providers:kubernetes::k8s"
    )
    provider.properties.update({"namespace": "shop", "kubeconfig": UNKNOWN})
    pair.answers(stack, provider)


# -- decoding ------------------------------------------------------------------------------------------


def sdk_decode(struct: struct_pb2.Struct) -> dict[str, Any]:
    return deserialize_properties(json_format.MessageToDict(struct))


def comparable(value: Any) -> Any:
    """Assets and archives compare by what they hold (pulumi's classes have no equality)."""
    if isinstance(value, dict):
        return {k: comparable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [comparable(v) for v in value]
    if hasattr(value, "__dict__"):
        return (type(value).__name__, comparable(vars(value)))
    return value


def test_decoding_once_gives_what_the_sdk_decodes() -> None:
    values: list[dict[str, Any]] = [
        {"s": "x", "n": 1.5, "i": 3, "b": True, "none": None, "empty": {}, "nil": [], "u": UNKNOWN},
        {"secret": wrap_secret({"a": [1, wrap_secret("b")]}), "deep": [{"x": [{"y": wrap_secret(2)}]}]},
        {"asset": ASSET_SIG, "archive": ARCHIVE_SIG},
        *[r.inputs for r in preview("prod").resources],
        *[r.inputs for r in resources(compliant())],
    ]
    for value in values:
        struct = encode_inputs(value)
        assert comparable(decode(struct)) == comparable(sdk_decode(struct))


def test_numbers_json_cannot_carry_are_refused_as_the_sdk_refuses_them() -> None:
    struct = struct_pb2.Struct()
    struct["x"] = math.inf
    with pytest.raises(ValueError):
        sdk_decode(struct)
    with pytest.raises(ValueError):
        decode(struct)


def test_the_prod_stack_holds_secrets_so_the_comparison_covers_them() -> None:
    from offline.engine import is_secret

    def secrets(value: Any) -> int:
        if is_secret(value):
            return 1
        if isinstance(value, dict):
            return sum(secrets(v) for v in value.values())
        return sum(secrets(v) for v in value) if isinstance(value, list) else 0

    assert sum(secrets(r.inputs) for r in preview("prod").resources) > 0
