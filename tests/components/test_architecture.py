"""The layering of components/ (docs/architecture.md): no import cycles, no layer importing a higher
one, and the size limits that keep every module readable."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.preview import ROOT

COMPONENTS = ROOT / "components"
# Lowest first: a module may import only from its own layer or the layers before it.
LAYERS = (
    "components.settings",
    "components.contract",
    "components.rules",
    "components.objects",
    "components.resources",
)
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
# Everything the project writes in Python; what tools bring (.venv*, build/) is not ours.
SKIPPED_DIRS = {".venv", ".venv-checkov", "build", ".git", "node_modules", "__pycache__"}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer_of(module: str) -> int:
    for index, prefix in enumerate(LAYERS):
        if module == prefix or module.startswith(prefix + "."):
            return index
    raise AssertionError(f"{module} belongs to no layer of components/")


def imports_of(path: Path) -> set[str]:
    """The components.* modules a file imports (at any depth: TYPE_CHECKING and function bodies too)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names]
            found |= {n if (ROOT / (n.replace(".", "/") + ".py")).exists() else node.module for n in names}
        elif isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
    return {m for m in found if m.startswith("components.")}


def component_graph() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in COMPONENTS.rglob("*.py")}


def test_no_module_imports_a_higher_layer() -> None:
    inversions = [
        f"{module} (layer {layer_of(module)}) imports {target} (layer {layer_of(target)})"
        for module, targets in component_graph().items()
        if module != "components"
        for target in targets
        if layer_of(target) > layer_of(module)
    ]
    assert inversions == []


def find_cycle(graph: dict[str, set[str]]) -> list[str]:
    """A cycle of imports as a path (first == last), or [] when the graph is acyclic."""
    state: dict[str, str] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str]:
        state[node], cycle = "open", []
        stack.append(node)
        for target in sorted(graph.get(node, ())):
            if state.get(target) == "open":
                return [*stack[stack.index(target) :], target]
            if target not in state and (cycle := visit(target)):
                return cycle
        stack.pop()
        state[node] = "done"
        return []

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return []


def test_the_cycle_finder_finds_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) == []


def test_no_import_cycle_in_components() -> None:
    # Package __init__ files re-export their modules; the cycle that matters is between modules.
    graph = {m: {t for t in ts if t != m} for m, ts in component_graph().items()}
    assert find_cycle(graph) == []


def project_python_files() -> Iterator[Path]:
    for path in ROOT.rglob("*.py"):
        if not SKIPPED_DIRS.intersection(path.relative_to(ROOT).parts):
            yield path


def test_every_python_file_is_at_most_400_lines() -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in project_python_files()
        if (n := len(p.read_text().splitlines())) > MAX_FILE_LINES
    }
    assert long == {}


def test_every_function_is_at_most_60_lines() -> None:
    long = []
    for path in project_python_files():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES:
                    long.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name} ({length} lines)")
    assert long == []


@pytest.mark.parametrize("layer", LAYERS)
def test_each_layer_says_what_it_holds(layer: str) -> None:
    """Each layer's package (or module) docstring names its place, so a newcomer reads top-down."""
    path = ROOT / (layer.replace(".", "/") + ".py")
    if not path.exists():
        path = ROOT / layer.replace(".", "/") / "__init__.py"
    docstring = ast.get_docstring(ast.parse(path.read_text())) or ""
    assert f"Layer {LAYERS.index(layer) + 1}" in docstring, path
