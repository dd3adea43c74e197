"""Credentials that reach a container from a ConfigMap: through envFrom (every key, with its prefix) or
through env[].valueFrom.configMapKeyRef. A ConfigMap is plaintext to everyone who may read ConfigMaps
in the namespace, shows in `kubectl describe` and lands in the rendered manifests and Pulumi's state.

The variable each key becomes is judged by the one credential rule (credentials.py), the rule the
settings and no-literal-secret-env apply: its name (prefix + key) and its value.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.credentials import is_plaintext_credential
from greenlight_policies.kube import Workload, is_unknown
from greenlight_policies.registry import Finding, Meta, stack_policy
from greenlight_policies.stackview import Stack


def _config_data(stack: Stack, namespace: str, name: Any) -> dict[str, Any]:
    """The data of the stack's ConfigMap `name` in `namespace` ({} when the stack does not register it)."""
    index = stack.memo(
        "config-maps", lambda: {(o.namespace, o.name): o.props.get("data") for o in stack.kind("ConfigMap")}
    )
    data = index.get((namespace, name)) if isinstance(name, str) else None
    return data if isinstance(data, dict) else {}


def _credentials(variables: Iterator[tuple[str, Any]]) -> list[str]:
    return [name for name, value in variables if not is_unknown(value) and is_plaintext_credential(name, str(value))]


def _env_from(stack: Stack, w: Workload, container: Mapping[str, Any]) -> Iterator[tuple[str, list[str]]]:
    """(ConfigMap, credential variables) for each source that brings some."""
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef") if isinstance(source, dict) else None
        if not isinstance(ref, dict):
            continue
        prefix = str(source.get("prefix") or "")
        data = _config_data(stack, w.namespace, ref.get("name"))
        found = _credentials((f"{prefix}{key}", value) for key, value in data.items())
        if found:
            yield f"envFrom ConfigMap {ref.get('name')}", found
    for env in container.get("env") or []:
        ref = (env.get("valueFrom") or {}).get("configMapKeyRef") if isinstance(env, dict) else None
        if not isinstance(ref, dict):
            continue
        value = _config_data(stack, w.namespace, ref.get("name")).get(str(ref.get("key")))
        if value is not None and _credentials(iter([(str(env.get("name", "")), value)])):
            yield f"env {env.get('name')} from ConfigMap {ref.get('name')} key {ref.get('key')}", [str(env.get("name"))]


def config_map_credentials(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    if not stack.kind("ConfigMap"):
        return
    for o in stack.objects:
        w = o.workload
        if w is None:
            continue
        for container in w.containers():
            for source, names in _env_from(stack, w, container):
                yield (
                    f"{w.kind} {w.name}, container {container.get('name', '?')}: {source} puts "
                    f"{', '.join(names)} in the environment in plaintext; move it to a Secret and use "
                    "envFrom[].secretRef (or env[].valueFrom.secretKeyRef).",
                    o.urn,
                )


POLICIES = [
    stack_policy(
        Meta(
            "no-config-map-credentials",
            "Checks that no credential reaches a container's environment from a ConfigMap (envFrom or "
            "configMapKeyRef).",
            Severity.CRITICAL,
            "Keep credentials in a Secret (from a Pulumi secret) and reference it with envFrom[].secretRef or "
            "env[].valueFrom.secretKeyRef; the ConfigMap keeps only non-secret settings. Rotate the exposed value.",
        ),
        config_map_credentials,
    ),
]
