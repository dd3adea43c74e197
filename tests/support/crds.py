"""Custom resources judged by the upstream CRDs in ../shared/crds, with unknown fields as errors.

The API server prunes every field a structural schema does not list, silently: a misspelt or moved
field is simply gone in the cluster. The judge is the preview's own (offline/crds.py): an object that
lists its properties accepts no others (unless the CRD says `x-kubernetes-preserve-unknown-fields`).
CEL rules (`x-kubernetes-validations`) are not evaluated.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from offline import crds
from offline.chart_order import crd_group_kind
from tests.support.preview import ROOT
from tests.support.tools import missing_tool

# CI clones the project with shared/ beside it; a worktree may sit one level deeper.
CANDIDATES = (ROOT.parent / "shared" / "crds", ROOT.parent.parent / "shared" / "crds")


def crds_dir() -> Path:
    for candidate in CANDIDATES:
        if candidate.is_dir():
            return candidate
    missing_tool("../shared/crds (upstream CRD schemas) not found beside the project")
    raise AssertionError("unreachable")


@cache
def upstream_crds() -> tuple[dict[str, Any], ...]:
    """Every CustomResourceDefinition in the directory."""
    found = (yaml.safe_load_all(p.read_text()) for p in sorted(crds_dir().glob("*.yaml")))
    return tuple(c for docs in found for c in docs if c and c.get("kind") == "CustomResourceDefinition")


def violations(obj: dict[str, Any]) -> list[str]:
    """`path: message` for every way `obj` does not fit its upstream CRD; fails if no CRD defines it.

    The judge is the preview's own (offline/crds.py), which returns [] for a kind it has no CRD for:
    here that would pass an object nothing judged, so it is an error instead.
    """
    group, _, version = obj["apiVersion"].rpartition("/")
    defining = [c for c in upstream_crds() if crd_group_kind(c) == (group, obj["kind"])]
    assert defining and crds.version_schema(defining[0], version), f"no CRD in {crds_dir()} defines {obj['kind']}"
    return crds.violations(obj, defining)
