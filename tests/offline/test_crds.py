"""greenlight's own custom resources against the upstream CRDs: a field the schema does not list is an error.

The API server prunes such fields silently. The preview runs this check against the CRDs the stack's charts
install (offline/crds.py); here the same check runs against the upstream schemas in ../shared/crds.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import crds
from offline.engine import plain
from tests.support.preview import ROOT, preview
from tests.support.tools import missing_tool

# CI clones the project with shared/ beside it; a worktree may sit one level deeper.
CANDIDATES = (ROOT.parent / "shared" / "crds", ROOT.parent.parent / "shared" / "crds")
SHARED_CRDS = next((p for p in CANDIDATES if p.is_dir()), None)


@pytest.fixture(scope="module")
def upstream_crds() -> list[dict[str, Any]]:
    if SHARED_CRDS is None:
        missing_tool("../shared/crds (upstream CRD schemas) not found beside the project")
    assert SHARED_CRDS is not None
    return [yaml.safe_load(p.read_text()) for p in sorted(SHARED_CRDS.glob("*.yaml"))]


def own_custom_resources(stack: str) -> list[dict[str, Any]]:
    groups = ("postgresql.cnpg.io", "monitoring.coreos.com", "barmancloud.cnpg.io")
    found = preview(stack).resources
    return [plain(r.inputs) for r in found if r.custom and any(f":{g}/" in r.type for g in groups)]


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_every_own_custom_resource_fits_its_upstream_crd(stack: str, upstream_crds: list[dict[str, Any]]) -> None:
    objects = own_custom_resources(stack)
    assert {o["kind"] for o in objects} >= {"Cluster", "PrometheusRule", "ServiceMonitor"}
    problems = {f"{o['kind']}/{o['metadata']['name']}": crds.violations(o, upstream_crds) for o in objects}
    assert {name: found for name, found in problems.items() if found} == {}


def test_a_misplaced_field_is_caught(upstream_crds: list[dict[str, Any]]) -> None:
    cluster = next(o for o in own_custom_resources("prod") if o["kind"] == "Cluster")
    cluster["spec"]["backup"]["retention"] = cluster["spec"]["backup"].pop("retentionPolicy")
    assert crds.violations(cluster, upstream_crds) == [
        "spec.backup: Additional properties are not allowed ('retention' was unexpected)"
    ]


def test_preserve_unknown_fields_and_int_or_string_are_honoured() -> None:
    schema = crds.strict_schema(
        {
            "type": "object",
            "properties": {
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {"a": {}}},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
            },
        }
    )
    assert schema["additionalProperties"] is False
    assert "additionalProperties" not in schema["properties"]["free"]
    assert schema["properties"]["port"]["anyOf"] == [{"type": "integer"}, {"type": "string"}]
    assert schema["properties"]["note"]["type"] == ["string", "null"]


def test_no_crd_known_means_nothing_to_say(tmp_path: Path) -> None:
    assert crds.violations({"apiVersion": "example.dev/v1", "kind": "Thing", "spec": {"x": 1}}, []) == []
