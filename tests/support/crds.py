"""Custom resources judged by the upstream CRDs in ../shared/crds, with unknown fields as errors.

The API server prunes every field a structural schema does not list, silently: a misspelt or moved
field is simply gone in the cluster. So the openAPIV3Schema of each CRD is turned into a JSON Schema in
which an object that lists its properties accepts no others (unless the CRD says
`x-kubernetes-preserve-unknown-fields`). CEL rules (`x-kubernetes-validations`) are not evaluated.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from tests.support.preview import ROOT
from tests.support.tools import missing_tool

# CI clones the project with shared/ beside it; a worktree may sit one level deeper.
CANDIDATES = (ROOT.parent / "shared" / "crds", ROOT.parent.parent / "shared" / "crds")
PRESERVE_UNKNOWN = "x-kubernetes-preserve-unknown-fields"
INT_OR_STRING = "x-kubernetes-int-or-string"


def crds_dir() -> Path:
    for candidate in CANDIDATES:
        if candidate.is_dir():
            return candidate
    missing_tool("../shared/crds (upstream CRD schemas) not found beside the project")
    raise AssertionError("unreachable")


def strict(schema: Any) -> Any:
    """An openAPIV3Schema as JSON Schema in which fields the schema does not list are errors."""
    if isinstance(schema, list):
        return [strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {k: strict(v) for k, v in schema.items() if not k.startswith("x-kubernetes-") and k != "nullable"}
    if schema.get(INT_OR_STRING):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if schema.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    if "properties" in schema and not schema.get(PRESERVE_UNKNOWN) and "additionalProperties" not in schema:
        out["additionalProperties"] = False
    return out


@cache
def _schemas() -> dict[tuple[str, str], dict[str, Any]]:
    """(apiVersion, kind) -> strict schema, for every version of every CRD in the directory."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(crds_dir().glob("*.yaml")):
        for crd in yaml.safe_load_all(path.read_text()):
            if not crd or crd.get("kind") != "CustomResourceDefinition":
                continue
            group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
            for version in crd["spec"]["versions"]:
                found[(f"{group}/{version['name']}", kind)] = strict(version["schema"]["openAPIV3Schema"])
    return found


def violations(obj: dict[str, Any]) -> list[str]:
    """`path: message` for every way `obj` does not fit its upstream CRD; fails if no CRD defines it."""
    key = (obj["apiVersion"], obj["kind"])
    schema = _schemas().get(key)
    assert schema is not None, f"no CRD in {crds_dir()} defines {key}"
    # metadata is the API server's (ObjectMeta), not the CRD's: the CRD schema only says "object".
    properties = {k: v for k, v in schema.get("properties", {}).items() if k != "metadata"}
    body = {k: v for k, v in obj.items() if k != "metadata"}
    required = [k for k in schema.get("required", []) if k != "metadata"]
    validator = jsonschema.Draft7Validator({**schema, "properties": properties, "required": required})
    errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
    return [f"{'.'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message}" for e in errors]
