"""The engine and provider side of an offline run: a mock monitor that records registrations as the engine
receives them, and plays the Kubernetes provider where a program reaches it (functions, yaml/v2 components).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2
from pulumi.runtime import mocks, rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.proto import resource_pb2
from pulumi.runtime.sync_await import _sync_await

from offline import k8s_yaml, kinds, urns, wire

STACK_TYPE = urns.STACK_TYPE
DOCKER_IMAGE_TYPES = ("docker:index/image:Image", "docker-build:index:Image")
HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart"  # recorded as a chart (rendered to helm/); expanded at deploy time
YAML_DECODE = "kubernetes:yaml:decode"
SECRET_FIELDS = ("data", "stringData")  # yaml.go marks these secret on every v1/Secret


@dataclass
class Resource:
    """One registration, with the options the engine uses to plan steps."""

    urn: str
    type: str
    name: str
    custom: bool
    remote: bool
    parent: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    provider: str
    protect: bool
    retain_on_delete: bool
    delete_before_replace: bool | None  # None: not set, the provider decides
    ignore_changes: list[str]
    aliases: list[dict[str, Any]]  # alias specs as sent; urns.candidates() resolves them
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    replace_on_changes: list[str] = field(default_factory=list)
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    import_id: str = ""


class OfflineFailure(Exception):
    """The program reached something the offline engine cannot play; the message says what."""


class OfflineMocks(mocks.Mocks):
    """Plays the providers: echoes inputs, names objects, gives built images a digest, runs known functions.

    A read (`Resource.get`) finds the object as this program applies it: the offline cluster is the
    program's own desired state (no HPA has scaled anything, nobody has changed anything by hand).
    """

    def __init__(self, default_namespace: str = kinds.DEFAULT_NAMESPACE) -> None:
        self.default_namespace = default_namespace
        self.failure: str | None = None
        self.applied: dict[tuple[str, str], dict[str, Any]] = {}  # (type, "namespace/name") -> inputs

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.resource_id:
            return args.resource_id, dict(self.applied.get((args.typ, args.resource_id), {}))
        state = dict(args.inputs)
        metadata = state.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
            namespace = metadata.get("namespace") or self.default_namespace
            self.applied[(args.typ, f"{namespace}/{metadata['name']}")] = state
        if args.typ in DOCKER_IMAGE_TYPES:
            image = str(state.get("imageName", args.name))
            repository = image.split("@")[0].rsplit(":", 1)[0] if "/" in image else image
            digest = hashlib.sha256(f"{args.name}:{image}".encode()).hexdigest()
            state["repoDigest"] = f"{repository}@sha256:{digest}"
            state["imageName"] = image
        return f"{args.name}-id", state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        if args.token == YAML_DECODE:
            try:
                objects = k8s_yaml.decode(str(args.args.get("text", "")), str(args.args.get("defaultNamespace") or ""))
            except k8s_yaml.YamlError as err:
                raise self.fail(str(err)) from None
            return {"result": objects}, []
        raise self.fail(
            f"the program calls the provider function {args.token}, which the offline engine does not run "
            f"(supported: {YAML_DECODE}){_INVOKE_HINTS.get(args.token, '')}"
        )

    def fail(self, message: str) -> OfflineFailure:
        self.failure = self.failure or message  # the first failure is the cause; later ones follow from it
        return OfflineFailure(message)


_INVOKE_HINTS = {
    "kubernetes:helm:template": "; helm.v3.Chart expands its chart through it: use kubernetes.helm.v4.Chart",
    "kubernetes:kustomize:directory": "; render the kustomization to YAML and use kubernetes.yaml.v2.ConfigGroup",
}


def _as_recorded(value: Any) -> Any:
    """A property as the engine stores it: secrets stay wrapped, a resource reference becomes its URN.

    (The SDK's own deserializer would construct resource objects here, in the monitor's thread.)"""
    if isinstance(value, dict):
        if value.get(rpc._special_sig_key) == rpc._special_resource_sig:
            return value.get("urn", "")
        return {k: _as_recorded(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_recorded(v) for v in value]
    return value


def properties(struct: Any) -> dict[str, Any]:
    """Deserialized as the SDK does (a secret inside an object makes the object secret), but with resource
    references as URNs, so no resource object is constructed in the monitor's thread."""
    if struct is None:
        return {}
    plain = struct_pb2.Struct()
    plain.update(_as_recorded(json_format.MessageToDict(struct)))
    return dict(rpc.deserialize_properties(plain))


def _timeouts(request: Any) -> dict[str, str]:
    if not request.HasField("customTimeouts"):
        return {}
    t = request.customTimeouts
    return {k: v for k, v in (("create", t.create), ("update", t.update), ("delete", t.delete)) if v}


# Children a resource registers on its own, as a remote component's Construct does (offline/charts.py).
Expand = Callable[[Resource], Iterable[Resource]]
# Told of each resource once it is recorded, in order (the policy pack's AnalysisStream), with the struct
# the program sent when it is exactly the recorded inputs (wire.read_inputs), else None.
Observe = Callable[[Resource, struct_pb2.Struct | None], None]


class RecordingMonitor(mocks.MockMonitor):
    """The mock monitor with the engine's URNs, plus the graph and options the engine would hand to analyzers."""

    def __init__(self, mock: OfflineMocks, expand: Expand | None = None, observe: Observe | None = None) -> None:
        super().__init__(mock)
        self.offline = mock
        self.recorded: list[Resource] = []
        self._by_urn: dict[str, Resource] = {}
        self._expand = expand
        self._observe = observe

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        return urns.make(runtime_settings.get_stack(), runtime_settings.get_project(), parent, type_, name)

    def RegisterResource(self, request: Any) -> Any:
        remote_yaml = bool(request.remote) and request.type in k8s_yaml.YAML_COMPONENTS
        if request.remote and not remote_yaml and request.type != HELM_CHART_V4:
            raise self.offline.fail(
                f"{request.type} {request.name!r} is a component its provider expands at deploy time; the offline "
                f"engine expands {', '.join(k8s_yaml.YAML_COMPONENTS)} and records {HELM_CHART_V4}"
            )
        response, inputs, exact = self._register(request)
        record = Resource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            remote=bool(request.remote),
            parent=request.parent,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            provider=request.provider,
            protect=bool(request.protect),
            retain_on_delete=bool(request.retainOnDelete),
            delete_before_replace=bool(request.deleteBeforeReplace) if request.deleteBeforeReplaceDefined else None,
            ignore_changes=list(request.ignoreChanges),
            aliases=[urns.alias_spec(a) for a in request.aliases] + [{"urn": u} for u in request.aliasURNs],
            inputs=inputs,
            replace_on_changes=list(request.replaceOnChanges),
            custom_timeouts=_timeouts(request),
            import_id=request.importId,
        )
        self._add(record, request.object if exact else None)
        # A helm.v4.Chart registers its children right after itself (offline/charts.py expands it).
        for child in self._expand(record) if self._expand else ():
            self._add(child)
        if remote_yaml:
            return self._expand_yaml(record, response)
        return response

    def _register(self, request: Any) -> tuple[Any, dict[str, Any], bool]:
        """The mock monitor's answer and the inputs to record.

        Inputs of plain values and secrets (nearly every registration) are read once (offline/wire.py) and,
        when the provider echoes them, sent back as they came: what the SDK then deserializes is what the
        mock monitor's deserialize-and-serialize would have sent. Anything else takes the SDK's own path.
        The flag says whether the request's struct is exactly the recorded inputs (wire.read_inputs)."""
        if request.type == STACK_TYPE:
            return super().RegisterResource(request), {}, False
        try:
            inputs, exact = wire.read_inputs(request.object)
        except wire.NotPlain:
            return super().RegisterResource(request), properties(request.object), False
        urn = self.make_urn(request.parent, request.type, request.name)
        new_id, state = self.mocks.new_resource(
            mocks.MockResourceArgs(
                typ=request.type,
                name=request.name,
                inputs=inputs,
                provider=request.provider,
                resource_id=request.importId,
                custom=request.custom or False,
                transforms=mocks._resolve_callbacks(request.transforms),
            )
        )
        id_ = new_id or ""  # OfflineMocks always names one; an empty id reads as none on the wire
        echoed = state == inputs
        state_struct = request.object if echoed else _sync_await(rpc.serialize_properties(state, {}))
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_, state)
        return resource_pb2.RegisterResourceResponse(urn=urn, id=id_, object=state_struct), inputs, exact

    def _add(self, record: Resource, sent: struct_pb2.Struct | None = None) -> None:
        self.recorded.append(record)
        self._by_urn[record.urn] = record
        if self._observe is not None:
            self._observe(record, sent)

    def _expand_yaml(self, component: Resource, response: Any) -> Any:
        """Registers the component's objects as the provider's Construct would, and returns them as its output."""
        where = f"{component.type} {component.name!r}"
        spec = k8s_yaml.YamlComponent.from_inputs(component.type, component.name, component.inputs)
        try:
            children = spec.children(where, self.offline.default_namespace)
        except k8s_yaml.YamlError as err:
            raise self.offline.fail(str(err)) from None
        made: list[Resource] = []
        for name, obj, needs in children:
            made.append(self._register_child(component, name, obj, [made[i].urn for i in needs]))
        refs = [{rpc._special_sig_key: rpc._special_resource_sig, "urn": r.urn, "id": f"{r.name}-id"} for r in made]
        outputs = {**component.inputs, "resources": refs}
        component.outputs = {"resources": [r.urn for r in made]}
        state = _sync_await(rpc.serialize_properties(outputs, {}))
        return resource_pb2.RegisterResourceResponse(urn=response.urn, id=response.id, object=state)

    def _register_child(self, component: Resource, name: str, obj: dict[str, Any], deps: list[str]) -> Resource:
        type_ = kinds.type_token(str(obj["apiVersion"]), str(obj["kind"]))
        inputs = dict(obj)
        if type_ == "kubernetes:core/v1:Secret":
            inputs.update({k: rpc.wrap_rpc_secret(inputs[k]) for k in SECRET_FIELDS if k in inputs})
        urn = self.make_urn(component.urn, type_, name)
        id_, state = self.mocks.new_resource(
            mocks.MockResourceArgs(typ=type_, name=name, inputs=inputs, provider="", resource_id="", custom=True)
        )
        self.resources[urn] = mocks.MockMonitor.ResourceRegistration(urn, id_ or "", state)
        child = Resource(
            urn=urn,
            type=type_,
            name=name,
            custom=True,
            remote=False,
            parent=component.urn,
            dependencies=deps,
            property_dependencies={},
            provider=component.provider,
            protect=component.protect,  # a child inherits protect from its parent
            retain_on_delete=False,
            delete_before_replace=None,
            ignore_changes=[],
            aliases=[],
            inputs=inputs,
            outputs=state,
        )
        self._add(child)
        return child

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = properties(request.outputs) if request.outputs else {}
        if request.urn in self._by_urn:
            self._by_urn[request.urn].outputs = outputs
        return super().RegisterResourceOutputs(request)
