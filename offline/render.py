"""Writes what a preview would apply: manifests, Helm chart records and resources.json."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import yaml

from offline.engine import Resource, plain

HELM_TYPES = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release")


def is_manifest(r: Resource) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and "kind" in r.inputs and "apiVersion" in r.inputs


def manifest_path(obj: dict[str, Any], fallback_name: str) -> Path:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") or "_cluster"
    name = meta.get("name") or fallback_name
    return Path("manifests") / str(namespace) / f"{str(obj['kind']).lower()}-{name}.yaml"


def helm_record(r: Resource) -> dict[str, Any]:
    props = plain(r.inputs)
    repository = (props.get("repositoryOpts") or {}).get("repo", "")
    return {
        "release": props.get("name") or r.name,
        "chart": props.get("chart"),
        "version": props.get("version"),
        "repository": repository,
        "namespace": props.get("namespace"),
        "values": props.get("values") or {},
        "urn": r.urn,
    }


def resource_record(r: Resource) -> dict[str, Any]:
    return {
        "urn": r.urn,
        "type": r.type,
        "name": r.name,
        "custom": r.custom,
        "parent": r.parent or None,
        "dependencies": r.dependencies,
        "propertyDependencies": r.property_dependencies,
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        "props": plain(r.inputs),
        "outputs": plain(r.outputs),
    }


def _ordered(obj: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata first, as people write manifests."""
    head: dict[str, Any] = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    return {**head, **{k: v for k, v in obj.items() if k not in head}}


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(data, sort_keys=False, default_flow_style=False))


def render(out: Path, resources: list[Resource]) -> dict[str, int]:
    """Replaces `out` with a fresh render; returns counts of files written per kind of file."""
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    counts = {"manifests": 0, "helm": 0}
    for r in resources:
        if is_manifest(r):
            obj = _ordered(plain(r.inputs))
            _dump(out / manifest_path(obj, r.name), obj)
            counts["manifests"] += 1
        elif r.type in HELM_TYPES:
            record = helm_record(r)
            _dump(out / "helm" / f"{record['release']}.yaml", record)
            counts["helm"] += 1
    (out / "resources.json").write_text(json.dumps([resource_record(r) for r in resources], indent=2) + "\n")
    return counts
