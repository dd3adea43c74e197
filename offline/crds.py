"""Custom resources against the CRDs that define them: unknown fields are errors.

The API server prunes every field a structural schema does not list, silently, so a misspelt or moved
field is simply gone in the cluster. Checked here against the CRDs the stack itself installs (they come
out of the expanded charts); tests use the upstream schemas in ../shared/crds the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import jsonschema

from offline.chart_order import BUILTIN_GROUPS, crd_group_kind
from offline.engine import Resource, plain

PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "x-kubernetes-int-or-string"


def strict_schema(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema in which fields the schema does not list are errors."""
    if isinstance(schema, list):
        return [strict_schema(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict_schema(v) for k, v in schema.items() if not k.startswith("x-kubernetes-") and k != "nullable"}
    if schema.get(INT_OR_STRING):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    listed = "properties" in schema
    if listed and not schema.get(PRESERVE_UNKNOWN) and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


def version_schema(crd: dict[str, Any], version: str) -> dict[str, Any] | None:
    for v in (crd.get("spec") or {}).get("versions") or []:
        if v.get("name") == version:
            schema = (v.get("schema") or {}).get("openAPIV3Schema")
            return strict_schema(schema) if isinstance(schema, dict) else None
    return None


def _schema_for(obj: dict[str, Any], crds: Iterable[dict[str, Any]]) -> dict[str, Any] | None:
    group, _, version = str(obj.get("apiVersion", "")).rpartition("/")
    for crd in crds:
        if crd_group_kind(crd) == (group, str(obj.get("kind", ""))):
            return version_schema(crd, version)
    return None


def violations(obj: dict[str, Any], crds: Iterable[dict[str, Any]]) -> list[str]:
    """`path: message` for each way `obj` does not fit its CRD; [] when it fits or no CRD is known."""
    schema = _schema_for(obj, crds)
    if schema is None:
        return []
    body = {k: v for k, v in obj.items() if k != "metadata"}  # metadata is the API server's, not the CRD's
    schema = {
        **schema,
        "properties": {k: v for k, v in (schema.get("properties") or {}).items() if k != "metadata"},
        "required": [k for k in schema.get("required") or [] if k != "metadata"],
    }
    validator = jsonschema.Draft7Validator(schema)
    found = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in found]


def _is_custom_resource(r: Resource, chart_urns: set[str]) -> bool:
    group = r.type.split(":")[1].rpartition("/")[0] if r.type.count(":") == 2 else ""
    builtin = group in BUILTIN_GROUPS or group == "core"
    return r.custom and r.type.startswith("kubernetes:") and not builtin and r.parent not in chart_urns


def errors(resources: list[Resource], crds: list[dict[str, Any]]) -> str:
    """One message for every custom resource of the program's own that its installed CRD would prune or reject."""
    if not crds:
        return ""
    chart_urns = {r.urn for r in resources if r.type.startswith("kubernetes:helm.sh/")}
    lines = []
    for r in resources:
        if _is_custom_resource(r, chart_urns) and "kind" in r.inputs:
            lines += [f"{r.type} {r.name}: {problem}" for problem in violations(plain(r.inputs), crds)]
    return "\n".join(f"custom resource {line} (the CRD the stack installs)" for line in lines)
