"""Expands each helm.v4.Chart offline into the objects pulumi-kubernetes would register as its children.

Mirrors the provider (provider/pkg/provider/helm/v4/chart.go, provider/pkg/provider/yaml/v2/yaml.go):
  - `helm template` with the Chart's values, release name (default: the resource name) and namespace,
    CRDs unless `skipCrds`, no hooks (offline/helm.py);
  - List kinds are flattened; namespaced objects without a namespace get the release namespace (a kind's
    scope comes from the built-in kinds or from a CRD the stack installs; else it stays unset, with a note);
  - objects register in cli-utils' dependency order (CRD before its custom resources, Namespace before
    what lives in it, `config.kubernetes.io/depends-on`), each level in cli-utils' kind order, as
    `<resourcePrefix or Chart name>:<namespace>/<name>` of type `kubernetes:<apiVersion>:<kind>`
    (`core/v1` for `v1`), parented to the Chart; Secret `data`/`stringData` are secret;
    `helm.sh/resource-policy: keep` means retainOnDelete.
A Chart that cannot be expanded here (no helm, chart not found, values unknown until apply) keeps no
children and is listed with the reason, as before.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from offline import chart_order, chart_values, helm
from offline.engine import Resource, is_secret, unwrap_secret, wrap_secret
from offline.errors import UsageError

CHART_TYPE = "kubernetes:helm.sh/v4:Chart"
DEFAULT_NAMESPACE = "default"  # the provider's default namespace without a kubeconfig context namespace
KEEP_ANNOTATION = "helm.sh/resource-policy"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # Pulumi's unknown-value sentinel (pulumi.runtime.rpc)


class _ManifestLoader(yaml.SafeLoader):
    """Reads manifests as the provider's decoder does.

    Dates and a bare `=` stay strings (YAML 1.1 timestamps and values do not apply), and a key given twice
    in one mapping is an error (as in Go's yaml), not a silent last-one-wins.
    """

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)  # type: ignore[no-untyped-call]
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    None, None, f"mapping key {key!r} already defined", key_node.start_mark
                )
            seen.add(key)
        return super().construct_mapping(node, deep=deep)


STRING_TAGS = ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:value")
_ManifestLoader.yaml_implicit_resolvers = {
    key: [(tag, regexp) for tag, regexp in resolvers if tag not in STRING_TAGS]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.copy().items()
}


@dataclass
class ChartSources:
    helm: str | None
    charts_dir: Path | None
    cache: Path | None = None
    cache_asked: bool = False  # helm is asked for its cache only once a chart needs finding

    @classmethod
    def find(cls, helm_path: Path | None, charts_dir: Path | None) -> ChartSources:
        if charts_dir is not None and not charts_dir.is_dir():
            raise UsageError(f"--charts {charts_dir}: not a directory")
        return cls(helm.find_helm(helm_path), charts_dir.resolve() if charts_dir else None)

    def repository_cache(self) -> Path | None:
        if not self.cache_asked and self.helm is not None:
            self.cache, self.cache_asked = helm.repository_cache(self.helm), True
        return self.cache


@dataclass
class ChartReport:
    """What became of one Chart: expanded into `objects` children, or not and why."""

    resource: str
    chart: str
    version: str
    objects: int = 0
    reason: str = ""  # why it was not expanded ("" when it was)
    error: str = ""  # helm refused it (a values-schema error, a template failure): the preview fails
    notes: list[str] = field(default_factory=list)

    @property
    def expanded(self) -> bool:
        return not self.reason and not self.error


def _reveal(value: Any) -> Any:
    """Values as the provider hands them to helm: secrets unwrapped; None where a value is unknown."""
    if is_secret(value):
        return _reveal(unwrap_secret(value))
    if isinstance(value, dict):
        items = {k: _reveal(v) for k, v in value.items()}
        return None if any(v is None and value[k] is not None for k, v in items.items()) else items
    if isinstance(value, list):
        revealed = [_reveal(v) for v in value]
        return None if any(r is None and v is not None for r, v in zip(revealed, value, strict=True)) else revealed
    return None if value == UNKNOWN else value


def parse_manifest(text: str) -> list[dict[str, Any]]:
    """YAML documents -> objects; empty documents dropped, List kinds flattened (yaml/v2 Parse + expand)."""
    objects: list[dict[str, Any]] = []
    pending = [doc for doc in yaml.load_all(text, Loader=_ManifestLoader) if doc]  # a SafeLoader
    while pending:
        obj = pending.pop(0)
        if not isinstance(obj, dict):
            raise ValueError(f"a manifest document is not an object: {str(obj)[:100]}")
        if str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
            pending = [item for item in obj["items"] if item] + pending
            continue
        meta = obj.get("metadata") or {}
        if not obj.get("kind") or not obj.get("apiVersion") or not meta.get("name"):
            raise ValueError(f"Kubernetes resources require a kind, apiVersion and .metadata.name: {str(obj)[:100]}")
        objects.append(obj)
    return objects


def type_token(obj: dict[str, Any]) -> str:
    api_version = str(obj["apiVersion"])
    return f"kubernetes:{'core/v1' if api_version == 'v1' else api_version}:{obj['kind']}"


def resource_name(obj: dict[str, Any], prefix: str) -> str:
    meta = obj["metadata"]
    name = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])
    return f"{prefix}:{name}" if prefix else name


def child_urn(parent_urn: str, type_: str, name: str) -> str:
    """The URN the engine gives a child: the parent's qualified type, `$`, the child's type."""
    head, qualified_parent = parent_urn.split("::")[0:2], parent_urn.split("::")[2]
    return "::".join([*head, f"{qualified_parent}${type_}", name])


def _inputs(obj: dict[str, Any]) -> dict[str, Any]:
    """Secret data is secret whatever the chart rendered (yaml/v2 register)."""
    if obj.get("apiVersion") == "v1" and obj.get("kind") == "Secret":
        return {k: wrap_secret(v) if k in ("data", "stringData") else v for k, v in obj.items()}
    return obj


class ChartExpander:
    """The engine's hook: given a just-registered resource, the children its expansion registers."""

    def __init__(self, sources: ChartSources) -> None:
        self.sources = sources
        self.reports: list[ChartReport] = []
        self.crds: list[dict[str, Any]] = []  # every CRD expanded so far: kinds' scope, API versions, CR schemas
        self._lock = threading.Lock()  # the mock monitor may register from several threads

    def __call__(self, chart: Resource) -> Iterable[Resource]:
        if chart.type != CHART_TYPE:
            return []
        with self._lock:
            return self._expand(chart)

    def _expand(self, chart: Resource) -> list[Resource]:
        props = chart.inputs
        report = ChartReport(chart.name, str(props.get("chart") or ""), str(props.get("version") or ""))
        self.reports.append(report)
        values = _reveal(props.get("values") or {})
        located = self._locate(report, props, values)
        if located is None or values is None or self.sources.helm is None:
            return []
        report.notes += [located.note] if located.note else []
        namespace = str(props.get("namespace") or DEFAULT_NAMESPACE)
        report.notes += chart_values.unknown_keys(located.path, values)
        try:
            manifest = helm.template(
                self.sources.helm,
                str(props.get("name") or chart.name),
                located.path,
                namespace,
                values,
                include_crds=not props.get("skipCrds"),
                api_versions=chart_order.api_versions(self.crds),
            )
            objects = parse_manifest(manifest)
        except (helm.HelmError, ValueError, yaml.YAMLError) as err:
            report.error = str(err)
            return []
        self.crds += [o for o in objects if chart_order.is_crd(o)]
        unresolved = chart_order.default_namespaces(objects, namespace, self.crds)
        if unresolved:
            report.notes.append(f"namespace scope unknown, left unset: {', '.join(sorted(unresolved))}")
        given_prefix = props.get("resourcePrefix")
        children = self._register(chart, objects, chart.name if given_prefix is None else str(given_prefix))
        report.objects = len(children)
        return children

    def _locate(self, report: ChartReport, props: dict[str, Any], values: Any) -> helm.LocatedChart | None:
        unsupported = [key for key in ("valueYamlFiles", "postRenderer") if props.get(key)]
        if unsupported:
            report.reason = f"{', '.join(unsupported)} not supported offline"
            return None
        if values is None:
            report.reason = "its values are not known until apply (the provider previews no children either)"
            return None
        if self.sources.helm is None:
            report.reason = "no helm binary (--helm PATH, helm on PATH, or `make helm`)"
            return None
        cache = self.sources.repository_cache()
        located = helm.locate_chart(report.chart, report.version, self.sources.charts_dir, cache)
        if located is None:
            where = f"{self.sources.charts_dir} or " if self.sources.charts_dir else ""
            report.reason = f"chart {report.chart} {report.version} not found in {where}helm's cache ({cache})"
        return located

    def _register(self, chart: Resource, objects: list[dict[str, Any]], prefix: str) -> list[Resource]:
        children: list[Resource] = []
        urns: dict[int, str] = {}
        for index, depends_on in chart_order.registration_order(objects):
            obj = objects[index]
            type_, name = type_token(obj), resource_name(obj, prefix)
            urns[index] = child_urn(chart.urn, type_, name)
            annotations = obj["metadata"].get("annotations") or {}
            children.append(
                Resource(
                    urn=urns[index],
                    type=type_,
                    name=name,
                    custom=True,
                    remote=False,
                    parent=chart.urn,
                    dependencies=[urns[d] for d in depends_on],
                    property_dependencies={},
                    provider="",
                    protect=chart.protect,  # children inherit protect from their parent
                    retain_on_delete=annotations.get(KEEP_ANNOTATION) == "keep",
                    delete_before_replace=False,
                    ignore_changes=[],
                    aliases=[],
                    inputs=_inputs(obj),
                    outputs=_inputs(obj),
                )
            )
        return children


def report_lines(reports: list[ChartReport]) -> list[str]:
    """The preview's "Charts:" block: what was expanded, what was not and why, and value notes."""
    if not reports:
        return []
    lines = ["", "Charts:"]
    for r in reports:
        title = f"{r.resource} ({r.chart} {r.version})"
        if r.error:
            lines.append(f"    ❌ {title}: helm refused it: {r.error.splitlines()[0] if r.error else ''}")
        elif r.reason:
            lines.append(f"    ⏭  {title}: not expanded: {r.reason}")
        else:
            lines.append(f"    ✅ {title}: {r.objects} objects")
        lines += [f"          {note}" for note in r.notes]
    return lines


def report_json(reports: list[ChartReport]) -> list[dict[str, Any]]:
    return [{**r.__dict__, "expanded": r.expanded} for r in reports]


def errors(reports: list[ChartReport]) -> str:
    """One message for every chart helm refused: the preview fails as the provider would (exit 2)."""
    failed = [r for r in reports if r.error]
    return "\n".join(f"chart {r.resource} ({r.chart} {r.version}): {r.error}" for r in failed)
