"""One corpus case's change, applied to the twin's manifests before anything is registered.

A change is data (see ../noncompliant_programs.yaml): `add` objects, `set` or `drop` fields by dotted
path (a number indexes a list; `set` merges into an existing mapping), `remove` objects, or put the
whole app in another `namespace`. Objects may also move out of the program, registered another way:
`yaml` / `yaml_v1` (a yaml/v2 or v1 ConfigGroup of YAML text), `file` / `file_v1` (a yaml/v2 or v1
ConfigFile of a manifest file) or `chart` (the team's own Helm chart, charts/web-extras, installed by a
helm.v4.Chart in the app's namespace, or in `release_namespace` when the case gives one; null: none).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

CORPUS = Path(__file__).resolve().parent.parent / "noncompliant_programs.yaml"
# How an object can reach the cluster besides its typed class: operation -> the route's name.
ROUTES = {"yaml": "yaml-v2", "yaml_v1": "yaml-v1", "file": "file-v2", "file_v1": "file-v1", "chart": "chart"}
OPERATIONS = ("add", "set", "drop", "remove", "namespace", "release_namespace", *ROUTES)


class CaseError(Exception):
    """The corpus names an object or path the twin does not have: the case is wrong, not the pack."""


def whole_app_by(operation: str, keys: list[str]) -> dict[str, Any]:
    """The change that registers every object of `keys` by one route (ROUTES), and changes nothing else."""
    if operation not in ROUTES:
        raise CaseError(f"twin:route {operation!r} is not a route; use {', '.join(ROUTES)}")
    return {operation: keys}


def change_of(case_id: str) -> dict[str, Any]:
    cases = {case["id"]: case for case in yaml.safe_load(CORPUS.read_text())}
    if case_id not in cases:
        raise CaseError(f"twin:case {case_id!r} is not a case of {CORPUS.name}")
    change: dict[str, Any] = cases[case_id]["change"]
    unknown = set(change) - set(OPERATIONS)
    if unknown:
        raise CaseError(f"case {case_id!r}: unknown operations {sorted(unknown)}; use {', '.join(OPERATIONS)}")
    return change


def _step(node: Any, part: str, path: str) -> Any:
    if isinstance(node, list) and part.isdigit() and int(part) < len(node):
        return node[int(part)]
    if isinstance(node, dict):
        return node.setdefault(part, {})
    raise CaseError(f"path {path}: no {part!r} there")


def set_path(manifest: dict[str, Any], path: str, value: Any) -> None:
    *parents, last = path.split(".")
    node: Any = manifest
    for part in parents:
        node = _step(node, part, path)
    if isinstance(node, list) and last.isdigit():
        node[int(last)] = value
    elif isinstance(node, dict) and isinstance(node.get(last), dict) and isinstance(value, dict):
        node[last].update(value)
    elif isinstance(node, dict):
        node[last] = value
    else:
        raise CaseError(f"path {path}: cannot set {last!r} there")


def drop_path(manifest: dict[str, Any], path: str) -> None:
    *parents, last = path.split(".")
    node: Any = manifest
    for part in parents:
        node = _step(node, part, path)
    if isinstance(node, list) and last.isdigit() and int(last) < len(node):
        node.pop(int(last))
    elif isinstance(node, dict) and last in node:
        node.pop(last)
    else:
        raise CaseError(f"path {path}: nothing to drop")


def apply(change: dict[str, Any], objects: dict[str, dict[str, Any]]) -> None:
    objects.update(change.get("add") or {})
    for key, fields in (change.get("set") or {}).items():
        for path, value in fields.items():
            set_path(_object(objects, key), path, value)
    for key, paths in (change.get("drop") or {}).items():
        for path in paths:
            drop_path(_object(objects, key), path)
    for key in change.get("remove") or []:
        _object(objects, key)
        del objects[key]


def routes(change: dict[str, Any], objects: dict[str, dict[str, Any]]) -> dict[str, str]:
    """Object key -> the route (ROUTES) that registers it, for the objects the case moves out of the program."""
    moved: dict[str, str] = {}
    for operation, route in ROUTES.items():
        for key in change.get(operation) or []:
            _object(objects, key)
            if key in moved:
                raise CaseError(f"object {key!r} is moved twice ({moved[key]} and {route})")
            moved[key] = route
    return moved


def _object(objects: dict[str, dict[str, Any]], key: str) -> dict[str, Any]:
    if key not in objects:
        raise CaseError(f"the twin has no object {key!r}; it has {', '.join(objects)}")
    return objects[key]
