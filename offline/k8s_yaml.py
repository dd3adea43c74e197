"""Kubernetes YAML as the provider reads it: the `kubernetes:yaml:decode` function and yaml/v2 components.

Mirrors pulumi/pulumi-kubernetes (commit 94977969d64112b04e19945818a7d5d5f38f631d):
`provider/pkg/provider/invoke_decode_yaml.go` (decode: skip documents without kind or apiVersion, default
namespace only when one is passed) and `provider/pkg/provider/yaml/v2/{yaml,configgroup,configfile}.go`
(parse files/globs/literals/objects, expand `*List` kinds, require kind, apiVersion and name, default the
namespace of namespaced kinds, register each object as `<prefix>:<namespace>/<name>` under the component,
CRDs and Namespaces before the objects that need them, `data`/`stringData` of Secrets as secrets).
"""

from __future__ import annotations

import copy
import glob
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml

from offline import kinds

CONFIG_GROUP = "kubernetes:yaml/v2:ConfigGroup"
CONFIG_FILE = "kubernetes:yaml/v2:ConfigFile"
YAML_COMPONENTS = (CONFIG_GROUP, CONFIG_FILE)
# cli-utils' explicit dependency annotation, honoured by yaml/v2's ordering.
DEPENDS_ON_ANNOTATION = "config.kubernetes.io/depends-on"
SKIP_AWAIT_ANNOTATION = "pulumi.com/skipAwait"
_GLOB = re.compile(r"(?:^|[^\\])[*?\[]")  # yaml.go's globPatternRegexp


class YamlError(Exception):
    """A manifest the provider would refuse; the message names the component and the object."""


def load_documents(text: str, where: str) -> list[dict[str, Any]]:
    """Every non-empty YAML (or JSON) document of `text`, as the provider's decoder returns them."""
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as err:
        raise YamlError(f"{where}: not valid YAML: {err}") from None
    objects = []
    for doc in documents:
        if doc is None or doc == {}:
            continue
        if not isinstance(doc, dict):
            raise YamlError(f"{where}: a document is {type(doc).__name__}, not a Kubernetes object")
        objects.append(doc)
    return objects


def decode(text: str, default_namespace: str = "") -> list[dict[str, Any]]:
    """`kubernetes:yaml:decode` (used by yaml.ConfigFile/ConfigGroup v1): objects with kind and apiVersion."""
    objects = [o for o in load_documents(text, "kubernetes:yaml:decode") if o.get("kind") and o.get("apiVersion")]
    if default_namespace:
        for obj in objects:
            # Unknown kinds count as namespaced here, as the provider assumes.
            if kinds.is_namespaced(str(obj["apiVersion"]), str(obj["kind"]), {}) is not False:
                obj.setdefault("metadata", {}).setdefault("namespace", default_namespace)
    return objects


def _read_sources(files: list[str], literal: str, where: str) -> list[dict[str, Any]]:
    objects: list[dict[str, Any]] = []
    for file in files:
        if urlsplit(file).scheme and urlsplit(file).netloc:
            raise YamlError(f"{where}: fetches {file} over the network, which the offline engine does not do")
        paths = sorted(glob.glob(file)) if _GLOB.search(file) else [file]
        for path in paths:
            try:
                text = Path(path).read_text(encoding="utf-8")
            except OSError as err:
                raise YamlError(f"{where}: reading YAML file from disk: {err}") from None
            objects += load_documents(text, f"{where}: {path}")
    return objects + (load_documents(literal, f"{where}: yaml") if literal else [])


def _expand_lists(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    pending = list(objects)
    while pending:
        obj = pending.pop(0)
        if str(obj.get("kind", "")).endswith("List") and isinstance(obj.get("items"), list):
            pending = list(obj["items"]) + pending
            continue
        out.append(obj)
    return out


def normalize(objects: list[dict[str, Any]], default_namespace: str, where: str) -> list[dict[str, Any]]:
    """`Normalize`: expand lists, check kind/apiVersion/name, canonical core group, default namespaces."""
    objects = _expand_lists([copy.deepcopy(o) for o in objects])
    crds = kinds.crd_scopes(objects)
    for obj in objects:
        metadata: dict[str, Any] = obj["metadata"] if isinstance(obj.get("metadata"), dict) else {}
        if not obj.get("kind") or not obj.get("apiVersion"):
            raise YamlError(f"{where}: Kubernetes resources require a kind and apiVersion: {_short(obj)}")
        if not metadata.get("name"):
            raise YamlError(f"{where}: Kubernetes resources require a .metadata.name: {_short(obj)}")
        if str(obj["apiVersion"]).startswith("core/"):
            obj["apiVersion"] = str(obj["apiVersion"]).removeprefix("core/")
        if not metadata.get("namespace") and kinds.is_namespaced(str(obj["apiVersion"]), obj["kind"], crds):
            obj["metadata"] = {**metadata, "namespace": default_namespace}
    return objects


def _short(obj: dict[str, Any]) -> str:
    text = yaml.safe_dump(obj, default_flow_style=True, width=10_000).strip()
    return text if len(text) <= 100 else text[:97] + "..."


def _key(obj: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return kinds.group_of(str(obj["apiVersion"])), str(obj["kind"]), str(meta.get("namespace") or ""), meta["name"]


def _crd_of(obj: dict[str, Any]) -> tuple[str, str] | None:
    """(group, kind) that a CustomResourceDefinition defines."""
    if obj.get("kind") != kinds.CRD_KIND:
        return None
    spec = obj.get("spec") or {}
    return str(spec.get("group", "")), str((spec.get("names") or {}).get("kind", ""))


def _needs(obj: dict[str, Any], present: dict[Any, int]) -> list[int]:
    """Indexes of objects this one waits for: its Namespace, its CRD, and explicit depends-on annotations."""
    group, kind, namespace, _ = _key(obj)
    wanted: list[Any] = [("", "Namespace", "", namespace)] if namespace else []
    wanted.append(("crd", group, kind))
    annotation = ((obj.get("metadata") or {}).get("annotations") or {}).get(DEPENDS_ON_ANNOTATION, "")
    for ref in filter(None, str(annotation).split(",")):
        parts = ref.strip().split("/")  # group/namespaces/<ns>/kind/name, or group/kind/name
        if len(parts) == 5:
            wanted.append((parts[0], parts[3], parts[2], parts[4]))
        elif len(parts) == 3:
            wanted.append((parts[0], parts[1], "", parts[2]))
    return [present[w] for w in wanted if w in present]


def ordered(objects: list[dict[str, Any]]) -> list[tuple[dict[str, Any], list[int]]]:
    """Objects in an order where each comes after what it needs; each with the result positions it needs."""
    present: dict[Any, int] = {_key(o): i for i, o in enumerate(objects)}
    present.update({("crd", *crd): i for i, o in enumerate(objects) if (crd := _crd_of(o))})
    needs = {i: [n for n in _needs(o, present) if n != i] for i, o in enumerate(objects)}
    done: dict[int, int] = {}  # original index -> position in the result
    result: list[tuple[dict[str, Any], list[int]]] = []
    while len(done) < len(objects):
        ready = [i for i in range(len(objects)) if i not in done and all(n in done for n in needs[i])]
        if not ready:  # a cycle: keep the written order for the rest
            ready = [i for i in range(len(objects)) if i not in done][:1]
        for i in ready:
            result.append((objects[i], sorted({done[n] for n in needs[i] if n in done})))
            done[i] = len(result) - 1
    return result


@dataclass(frozen=True)
class YamlComponent:
    """The inputs of a yaml/v2 ConfigGroup or ConfigFile, as the provider's Construct reads them."""

    files: list[str]
    literal: str
    objects: list[dict[str, Any]]
    prefix: str
    skip_await: bool

    @classmethod
    def from_inputs(cls, type_: str, name: str, inputs: dict[str, Any]) -> YamlComponent:
        files = [str(inputs["file"])] if type_ == CONFIG_FILE and inputs.get("file") else []
        if type_ == CONFIG_GROUP:
            files = [str(f) for f in inputs.get("files") or []]
        prefix = inputs.get("resourcePrefix")
        return cls(
            files=files,
            literal=str(inputs.get("yaml") or "") if type_ == CONFIG_GROUP else "",
            objects=[dict(o) for o in inputs.get("objs") or []] if type_ == CONFIG_GROUP else [],
            prefix=name if prefix is None else str(prefix),
            skip_await=bool(inputs.get("skipAwait")),
        )

    def children(self, where: str, default_namespace: str) -> list[tuple[str, dict[str, Any], list[int]]]:
        """(resource name, object, indexes of earlier children it depends on), in registration order."""
        objects = normalize(_read_sources(self.files, self.literal, where) + self.objects, default_namespace, where)
        out = []
        for obj, needs in ordered(objects):
            meta = obj["metadata"]
            name = f"{meta['namespace']}/{meta['name']}" if meta.get("namespace") else str(meta["name"])
            if self.skip_await:
                meta["annotations"] = {**(meta.get("annotations") or {}), SKIP_AWAIT_ANNOTATION: "true"}
            out.append((f"{self.prefix}:{name}" if self.prefix else name, obj, needs))
        return out
