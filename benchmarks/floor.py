"""The bare floor: as many resources registered with the Pulumi SDK under mocks, and nothing else.

    .venv/bin/python -m benchmarks.floor --manifests OUT/manifests --resources 2311 [--json FILE]
    .venv/bin/python -m benchmarks.floor --resources 2000     # Deployments that carry only a name

`pulumi.CustomResource(<type token>, name, props)` per object under `pulumi.runtime.set_mocks`, as Pulumi's
unit tests run a program, then bare ComponentResources up to `--resources` (the Stack included): no
components, no recording engine, no policy pack, no render. With `--manifests` the objects are a render's
manifests (the same objects as the preview: the floor of that stack); without, Deployments holding only
a name (the floor issue 19 quotes: no props to serialize). `--typed` registers the manifests through
pulumi-kubernetes' typed classes instead, as greenlight's components do.
"""

from __future__ import annotations

import argparse
import json
import re
import time
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()

import pulumi  # noqa: E402 - timed: the import is part of what every preview pays
import pulumi_kubernetes as k8s  # noqa: E402
from pulumi.runtime.stack import run_pulumi_func  # noqa: E402
from pulumi.runtime.sync_await import _sync_await  # noqa: E402

IMPORTED = time.perf_counter()

import yaml  # noqa: E402 - reading the manifests is not part of the floor

# pulumi-kubernetes module of each API group whose module name is not the group's first word.
GROUP_MODULES = {"": "core", "rbac.authorization.k8s.io": "rbac"}


class EchoMocks(pulumi.runtime.Mocks):
    """Providers that echo inputs back, as the offline engine's do."""

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


def _snake(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "_", name).lower()


def type_token(manifest: dict[str, Any]) -> str:
    """`apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment` (core kinds: `kubernetes:core/v1:...`)."""
    group_version = str(manifest["apiVersion"])
    return f"kubernetes:{group_version if '/' in group_version else 'core/' + group_version}:{manifest['kind']}"


def register_bare(name: str, manifest: dict[str, Any]) -> None:
    """The manifest as a CustomResource of its type token: the SDK's registration and nothing more."""
    pulumi.CustomResource(type_token(manifest), name, dict(manifest))


def register_typed(name: str, manifest: dict[str, Any]) -> None:
    """The typed resource for the manifest's kind (pulumi_kubernetes.<group>.<version>.<Kind>), else a CR."""
    group, _, version = str(manifest["apiVersion"]).rpartition("/")
    module = getattr(k8s, GROUP_MODULES.get(group, group.split(".")[0]), None)
    typed = getattr(getattr(module, version, None), str(manifest["kind"]), None)
    fields = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    if typed is not None:
        typed(name, **{_snake(k): v for k, v in fields.items()})
    else:
        k8s.apiextensions.CustomResource(name, manifest["apiVersion"], manifest["kind"], **fields)


def register(manifests: list[dict[str, Any]], total: int, typed: bool = False) -> None:
    register_manifest = register_typed if typed else register_bare

    def program() -> None:
        for i, manifest in enumerate(manifests):
            register_manifest(f"r{i}", manifest)
        for i in range(len(manifests), total - 1):  # the Stack is the last one
            pulumi.ComponentResource("floor:index:Component", f"c{i}")

    pulumi.runtime.set_mocks(EchoMocks(), project="greenlight", stack="floor", preview=True)
    _sync_await(run_pulumi_func(program))


def load(directory: Path | None, total: int) -> list[dict[str, Any]]:
    if directory is None:
        return [
            {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": f"svc-{i}"}} for i in range(total - 1)
        ]
    return [yaml.safe_load(p.read_text()) for p in sorted(directory.rglob("*.yaml"))][: total - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--manifests", type=Path, help="a render's manifests/ (default: synthetic Deployments)")
    parser.add_argument("--resources", type=int, default=2000, help="resources in all, the Stack included")
    parser.add_argument("--typed", action="store_true", help="pulumi-kubernetes' typed classes, as components use")
    parser.add_argument("--json", type=Path, help="write the figures here as JSON")
    args = parser.parse_args()
    manifests = load(args.manifests, args.resources)
    started = time.perf_counter()
    register(manifests, args.resources, args.typed)
    figures = {
        "resources": args.resources,
        "manifests": len(manifests),
        "import_s": IMPORTED - STARTED,
        "register_s": time.perf_counter() - started,
    }
    if args.json:
        args.json.write_text(json.dumps(figures))
    print(
        f"{args.resources} resources ({len(manifests)} manifests): "
        f"import {figures['import_s']:.2f} s, register {figures['register_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
