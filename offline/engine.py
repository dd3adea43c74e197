"""Runs a Pulumi program under the mock runtime and records every registration as the engine sees it."""

from __future__ import annotations

import hashlib
import os
import runpy
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from offline.stackconfig import StackConfig

STACK_TYPE = "pulumi:pulumi:Stack"
DOCKER_IMAGE_TYPES = ("docker:index/image:Image", "docker-build:index:Image")


@dataclass
class Resource:
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
    delete_before_replace: bool
    ignore_changes: list[str]
    aliases: list[str]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    # Aliases as the SDK sends them to an engine that supports alias specs: {"urn"} or
    # {"name", "type", "stack", "project", "parentUrn" | "noParent"}, unset fields left out.
    alias_specs: list[dict[str, Any]] = field(default_factory=list)


def alias_spec(alias: Any) -> dict[str, Any]:
    """An `alias_pb2.Alias` as plain JSON."""
    if alias.urn:
        return {"urn": alias.urn}
    spec = alias.spec
    fields = {"name": spec.name, "type": spec.type, "stack": spec.stack, "project": spec.project}
    out: dict[str, Any] = {k: v for k, v in fields.items() if v}
    if spec.WhichOneof("parent") == "parentUrn" and spec.parentUrn:
        out["parentUrn"] = spec.parentUrn
    elif spec.noParent:
        out["noParent"] = True
    return out


class OfflineMocks(mocks.Mocks):
    """Plays the providers: echoes inputs, names objects, and gives built images a digest.

    A read (`Resource.get`) finds the object as this program applies it: the offline cluster is the
    program's own desired state (no HPA has scaled anything, nobody has changed anything by hand).
    """

    def __init__(self) -> None:
        self.applied: dict[tuple[str, str], dict[str, Any]] = {}  # (type, "namespace/name") -> inputs

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.resource_id:
            return args.resource_id, dict(self.applied.get((args.typ, args.resource_id), {}))
        state = dict(args.inputs)
        metadata = state.get("metadata")
        if isinstance(metadata, dict) and isinstance(metadata.get("name"), str):
            self.applied[(args.typ, f"{metadata.get('namespace') or 'default'}/{metadata['name']}")] = state
        if args.typ in DOCKER_IMAGE_TYPES:
            image = str(state.get("imageName", args.name))
            repository = image.split("@")[0].rsplit(":", 1)[0] if "/" in image else image
            digest = hashlib.sha256(f"{args.name}:{image}".encode()).hexdigest()
            state["repoDigest"] = f"{repository}@sha256:{digest}"
            state["imageName"] = image
        return f"{args.name}-id", state

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


class RecordingMonitor(mocks.MockMonitor):
    """The mock monitor, plus the graph and options the real engine would hand to analyzers."""

    def __init__(self, mock: mocks.Mocks) -> None:
        super().__init__(mock)
        self.recorded: list[Resource] = []
        self._by_urn: dict[str, Resource] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        inputs = {} if request.type == STACK_TYPE else rpc.deserialize_properties(request.object)
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
            delete_before_replace=bool(request.deleteBeforeReplace),
            ignore_changes=list(request.ignoreChanges),
            aliases=list(request.aliasURNs),
            inputs=inputs,
            alias_specs=[alias_spec(a) for a in request.aliases],
        )
        self.recorded.append(record)
        self._by_urn[record.urn] = record
        return response

    def RegisterResourceOutputs(self, request: Any) -> Any:
        outputs = rpc.deserialize_properties(request.outputs) if request.outputs else {}
        if request.urn in self._by_urn:
            self._by_urn[request.urn].outputs = outputs
        return super().RegisterResourceOutputs(request)


class ProgramError(Exception):
    """The program failed; the message is what the user needs to see."""


def run_program(cwd: Path, stack_config: StackConfig) -> list[Resource]:
    """Runs `cwd/__main__.py` as `pulumi preview` would, returning every registration in order."""
    program_file = cwd / "__main__.py"
    if not program_file.is_file():
        raise ProgramError(f"no __main__.py in {cwd}")
    set_all_config(dict(stack_config.config), sorted(stack_config.secret_keys))
    monitor = RecordingMonitor(OfflineMocks())
    runtime_settings.ROOT.set(None)  # a fresh Stack per run, so one process can preview twice
    mocks.set_mocks(
        OfflineMocks(), project=stack_config.project, stack=stack_config.stack, preview=True, monitor=monitor
    )
    root = runtime_settings.get_root_resource()
    # set_mocks registers the Stack's outputs at once; the program's exports must come after.
    root._outputs_registered = False  # type: ignore[union-attr]

    def program() -> None:
        runpy.run_path(str(program_file), run_name="__main__")
        root._finish()  # type: ignore[union-attr]

    previous_cwd, previous_path = Path.cwd(), list(sys.path)
    own_modules = {name for name in sys.modules if _module_under(name, cwd)}
    os.chdir(cwd)
    sys.path.insert(0, str(cwd))
    try:
        _sync_await(run_pulumi_func(program))
    finally:
        os.chdir(previous_cwd)
        sys.path[:] = previous_path
        # Let a later run in this process (tests, --cwd elsewhere) import its own copies.
        for name in [n for n in sys.modules if _module_under(n, cwd) and n not in own_modules]:
            del sys.modules[name]
    return monitor.recorded


def _module_under(name: str, root: Path) -> bool:
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None)
    if not origin or "site-packages" in Path(origin).parts:
        return False  # installed packages (a venv may live inside the project) stay loaded
    return Path(origin).resolve().is_relative_to(root.resolve())


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def unwrap_secret(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value)


def wrap_secret(value: Any) -> Any:
    return rpc.wrap_rpc_secret(value)


def _redact_leaves(value: Any, redact: str) -> Any:
    """Keeps the shape of a secret object (so manifests still validate) but hides every value."""
    if isinstance(value, dict):
        return {k: _redact_leaves(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_leaves(v, redact) for v in value]
    return redact


def plain(value: Any, redact: str = "[secret]") -> Any:
    """The value with every secret replaced by `redact` and unknowns shown as such."""
    if is_secret(value):
        return _redact_leaves(unwrap_secret(value), redact)
    if isinstance(value, dict):
        return {k: plain(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, redact) for v in value]
    if value == rpc.UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


__all__ = ["Resource", "plain", "pulumi", "run_program"]
