"""The README's prerequisites table names everything the rendered stacks expect the cluster to have.

Each stack (and the canary variant, which no committed stack uses) is rendered; what its objects
reference but do not create is collected by kind, and the table row of that kind must name every such
reference and say exactly which stacks need it. A row nothing references fails too: the table never
asks for more than the stacks use.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from tests.support.preview import Preview, preview

ROOT = Path(__file__).resolve().parents[2]
BEGIN, END = "<!-- prerequisites:begin", "<!-- prerequisites:end -->"
COMMITTED = ("dev", "staging", "prod")
VARIANTS: dict[str, tuple[str, ...]] = {
    "dev": ("dev",),
    "staging": ("staging",),
    "prod": ("prod",),
    "canary": ("prod", "greenlight:release.strategy=canary"),
}
# Row of the table (its first cell starts so) for each kind of reference.
ROWS = {
    "ingress": "Ingress controller",
    "issuer": "cert-manager and a ClusterIssuer",
    "storage": "StorageClass",
    "networkpolicy": "A CNI that enforces NetworkPolicy",
    "objectstorage": "Object storage",
    "gateway": "Gateway API",
}
DEFAULT_STORAGE_CLASS = "default"  # a volume without a class needs the cluster's default StorageClass
NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"
ISSUER_ANNOTATION = "cert-manager.io/cluster-issuer"


@dataclass
class References:
    names: dict[str, set[str]] = field(default_factory=dict)  # kind -> names the objects reference

    def add(self, kind: str, *names: str) -> None:
        self.names.setdefault(kind, set()).update(names)


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for value in node:
            yield from walk(value)


def storage_classes(helm_values: list[Any], manifests: list[dict[str, Any]]) -> set[str]:
    """Every volume's class; `default` for a volume that names none."""
    classes = set()
    for node in walk(helm_values):
        if "volumeClaimTemplate" in node:
            classes.add(node["volumeClaimTemplate"].get("spec", {}).get("storageClassName", DEFAULT_STORAGE_CLASS))
        persistence = node.get("persistence")
        if isinstance(persistence, dict) and persistence.get("enabled"):
            classes.add(persistence.get("storageClass", DEFAULT_STORAGE_CLASS))
    for cluster in (m for m in manifests if m["kind"] == "Cluster"):  # CloudNativePG
        classes.add(cluster["spec"]["storage"].get("storageClass", DEFAULT_STORAGE_CLASS))
    return classes


def object_storage(helm_values: list[Any], manifests: list[dict[str, Any]]) -> set[str]:
    names = set()
    for node in walk(helm_values):
        names.update(node.get("bucketNames", {}).values())
    for node in walk(manifests):
        if "destinationPath" in node:
            names.add(node["destinationPath"])
    return names


def external_namespaces_let_in(manifests: list[dict[str, Any]], own: set[str]) -> set[str]:
    """Namespaces the stack does not create that a NetworkPolicy admits traffic from."""
    found = set()
    for policy in (m for m in manifests if m["kind"] == "NetworkPolicy"):
        for rule in policy["spec"].get("ingress", []):
            for peer in rule.get("from", []):
                name = peer.get("namespaceSelector", {}).get("matchLabels", {}).get(NAMESPACE_NAME_LABEL)
                if name and name not in own:
                    found.add(name)
    return found


def references(rendered: Preview) -> References:
    manifests = rendered.manifests()
    helm_values = [chart["values"] for chart in rendered.helm().values()]
    own_namespaces = {m["metadata"]["name"] for m in manifests if m["kind"] == "Namespace"}
    refs = References()
    for ingress in (m for m in manifests if m["kind"] == "Ingress"):
        refs.add("ingress", ingress["spec"]["ingressClassName"], *external_namespaces_let_in(manifests, own_namespaces))
        issuer = ingress["metadata"].get("annotations", {}).get(ISSUER_ANNOTATION)
        if issuer:
            refs.add("issuer", issuer)
    refs.add("storage", *storage_classes(helm_values, manifests))
    policies = [m for m in manifests if m["kind"] == "NetworkPolicy"]
    for node in walk([p["spec"].get("egress", []) for p in policies]):
        dns = node.get("podSelector", {}).get("matchLabels", {}).get("k8s-app")
        if dns:
            namespace = node.get("namespaceSelector", {}).get("matchLabels", {}).get(NAMESPACE_NAME_LABEL, "")
            refs.add("networkpolicy", f"k8s-app={dns}", namespace)
    refs.add("objectstorage", *object_storage(helm_values, manifests))
    for route in (m for m in manifests if m["kind"] == "HTTPRoute"):
        for parent in route["spec"]["parentRefs"]:
            refs.add("gateway", parent["name"], parent["namespace"])
    refs.names = {kind: names for kind, names in refs.names.items() if names}
    return refs


@pytest.fixture(scope="module")
def rendered_references() -> dict[str, References]:
    return {variant: references(preview(*args)) for variant, args in VARIANTS.items()}


def table_rows() -> dict[str, tuple[str, str]]:
    """Row kind -> (needed-by cell, the whole row) from the README's prerequisites table."""
    text = (ROOT / "README.md").read_text()
    block = text[text.index(BEGIN) : text.index(END)]
    rows = {}
    for line in block.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        kind = next((k for k, first in ROWS.items() if cells[0].startswith(first)), None)
        if kind:
            rows[kind] = (cells[1], line)
    return rows


def test_the_table_has_one_row_per_kind() -> None:
    assert set(table_rows()) == set(ROWS)


@pytest.mark.parametrize("kind", sorted(ROWS))
def test_each_row_names_what_the_stacks_reference_and_who_needs_it(
    kind: str, rendered_references: dict[str, References]
) -> None:
    needed_by_cell, row = table_rows()[kind]
    users = [v for v, refs in rendered_references.items() if kind in refs.names]
    assert users, f"no stack references the {ROWS[kind]!r} row: drop it or fix the collection"
    committed_users = [v for v in users if v in COMMITTED]
    assert needed_by_cell.split(", ") == (committed_users or users)
    names = set().union(*(rendered_references[v].names[kind] for v in users))
    for name in sorted(names):
        shown = f"`{name}`" if name != DEFAULT_STORAGE_CLASS else "default StorageClass"
        assert shown in row, f"the {ROWS[kind]!r} row does not name {shown}, which {users} reference"


def test_names_come_from_the_renders(rendered_references: dict[str, References]) -> None:
    """The collection itself reads the objects: prod's named class and buckets, canary's Gateway."""
    prod, canary = rendered_references["prod"].names, rendered_references["canary"].names
    assert prod["storage"] == {"gp3"}
    assert prod["objectstorage"] == {"acme-greenlight-prod-logs", "s3://acme-greenlight-prod-backups/web"}
    assert "gateway" not in prod and canary["gateway"] == {"public", "gateway"}
    assert rendered_references["dev"].names["storage"] == {DEFAULT_STORAGE_CLASS}
