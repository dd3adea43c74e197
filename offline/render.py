"""Writes what a preview would apply: manifests, Helm chart records and resources.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from offline.engine import Resource, plain
from offline.errors import UsageError
from offline.outdir import claim_directory

RESOURCES_FILE = "resources.json"
# Everything a render writes at the top of its directory (the marker aside): a re-render replaces these.
RENDER_ENTRIES = frozenset({"manifests", "helm", RESOURCES_FILE})

HELM_TYPES = ("kubernetes:helm.sh/v4:Chart", "kubernetes:helm.sh/v3:Release")


def is_manifest(r: Resource) -> bool:
    return r.custom and r.type.startswith("kubernetes:") and "kind" in r.inputs and "apiVersion" in r.inputs


def file_part(text: str) -> str:
    """One path component from a name: no separators, no `..`, so nothing lands outside the render."""
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", text)
    return safe if safe.strip(".") else safe.replace(".", "_") or "_"


def manifest_path(obj: dict[str, Any], fallback_name: str) -> Path:
    meta = obj.get("metadata") or {}
    namespace = meta.get("namespace") or "_cluster"
    name = meta.get("name") or fallback_name
    return Path("manifests") / file_part(str(namespace)) / file_part(f"{str(obj['kind']).lower()}-{name}.yaml")


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
        "provider": r.provider or None,
        "protect": r.protect,
        "retainOnDelete": r.retain_on_delete,
        # The options the engine plans steps with, as it receives them (null: not set).
        "deleteBeforeReplace": r.delete_before_replace,
        "replaceOnChanges": r.replace_on_changes,
        "ignoreChanges": r.ignore_changes,
        "aliases": r.aliases,
        "customTimeouts": r.custom_timeouts,
        "importId": r.import_id or None,
        "remote": r.remote,
        "props": plain(r.inputs),
        "outputs": plain(r.outputs),
    }


def record_to_resource(record: dict[str, Any]) -> Resource:
    """A resources.json row back as a registration (secrets stay redacted as rendered)."""
    return Resource(
        urn=record["urn"],
        type=record["type"],
        name=record["name"],
        custom=bool(record.get("custom")),
        remote=bool(record.get("remote")),
        parent=record.get("parent") or "",
        dependencies=list(record.get("dependencies") or []),
        property_dependencies=dict(record.get("propertyDependencies") or {}),
        provider=record.get("provider") or "",
        protect=bool(record.get("protect")),
        retain_on_delete=bool(record.get("retainOnDelete")),
        delete_before_replace=record.get("deleteBeforeReplace"),
        ignore_changes=list(record.get("ignoreChanges") or []),
        aliases=list(record.get("aliases") or []),
        inputs=dict(record.get("props") or {}),
        outputs=dict(record.get("outputs") or {}),
        replace_on_changes=list(record.get("replaceOnChanges") or []),
        custom_timeouts=dict(record.get("customTimeouts") or {}),
        import_id=record.get("importId") or "",
    )


def load_resources(path: Path) -> list[Resource]:
    """The registrations of a render's resources.json (or of the file itself)."""
    file = path / RESOURCES_FILE if path.is_dir() else path
    try:
        records = json.loads(file.read_text(encoding="utf-8"))
        if not isinstance(records, list):
            raise ValueError("expected a list of resources")
        return [record_to_resource(r) for r in records]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as err:
        raise UsageError(f"{file}: not a resources.json written by a render ({err})") from None


def _ordered(obj: dict[str, Any]) -> dict[str, Any]:
    """apiVersion, kind, metadata first, as people write manifests."""
    head: dict[str, Any] = {k: obj[k] for k in ("apiVersion", "kind", "metadata") if k in obj}
    return {**head, **{k: v for k, v in obj.items() if k not in head}}


# libyaml's emitter when PyYAML was built with it: the same documents, several times faster than the
# pure-Python one (only where long quoted strings fold differs).
SAFE_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _dump(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.dump(data, Dumper=SAFE_DUMPER, sort_keys=False, default_flow_style=False))


def render(out: Path, resources: list[Resource]) -> dict[str, int]:
    """Writes a fresh render into `out` (new, empty, or an earlier render); counts files per kind.

    Anything else at `out` is refused before a file is touched: see offline/outdir.py."""
    claim_directory(out, "--render", RENDER_ENTRIES)
    counts = {"manifests": 0, "helm": 0}
    for r in resources:
        if is_manifest(r):
            obj = _ordered(plain(r.inputs))
            _dump(out / manifest_path(obj, r.name), obj)
            counts["manifests"] += 1
        elif r.type in HELM_TYPES:
            record = helm_record(r)
            _dump(out / "helm" / file_part(f"{record['release']}.yaml"), record)
            counts["helm"] += 1
    (out / RESOURCES_FILE).write_text(json.dumps([resource_record(r) for r in resources], indent=2) + "\n")
    return counts
