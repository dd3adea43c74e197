"""Host access by every route: the node's namespaces, its ports, its directories (directly as a hostPath
volume, or through a claim bound to a hostPath PersistentVolume).

A pod with any of these reaches past its container: it sees the node's traffic or processes, takes a
port on every node it lands on, or reads and writes the node's files (docker.sock, kubelet credentials).
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.kube import Workload, is_unknown, selector_matches
from greenlight_policies.registry import Finding, Meta, stack_policy, workload_policy
from greenlight_policies.stackview import Obj, Stack

HOST_NAMESPACES = ("hostNetwork", "hostPID", "hostIPC")


def host_namespaces(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for field in HOST_NAMESPACES:
        if w.pod_spec.get(field) is True:
            yield f"{w.kind} {w.name}: remove {field}: true; pods must not share the node's namespaces."


def host_ports(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        for port in c.get("ports") or []:
            host_port = port.get("hostPort") if isinstance(port, dict) else None
            if host_port and not is_unknown(host_port):  # 0 and unset both mean none
                yield (
                    f"{w.kind} {w.name}, container {c.get('name', '?')}: remove hostPort {int(host_port)}; it binds "
                    "the port on the node itself, so only one such pod fits per node. Expose it through a Service."
                )


def host_path_volumes(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for volume in w.pod_spec.get("volumes") or []:
        if isinstance(volume, dict) and volume.get("hostPath"):
            path = volume["hostPath"].get("path", "?")
            yield f"{w.kind} {w.name}: volume {volume.get('name', '?')} mounts host path {path}; use a PVC or emptyDir."


# -- hostPath PersistentVolumes reached through a claim ----------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """A claim a pod makes: a named PVC, a StatefulSet's claim template or an ephemeral volume's."""

    volume: str
    label: str  # how the message names it
    spec: Mapping[str, Any]
    names: re.Pattern[str]  # the names the claim objects get (a PV's claimRef names one of them)


def _named_claims(stack: Stack, w: Workload) -> Iterator[Claim]:
    for volume in w.pod_spec.get("volumes") or []:
        if not isinstance(volume, dict):
            continue
        name = str(volume.get("name", "?"))
        claim_name = (volume.get("persistentVolumeClaim") or {}).get("claimName")
        if claim_name:
            found = next(
                (p for p in stack.kind("PersistentVolumeClaim") if p.namespace == w.namespace and p.name == claim_name),
                None,
            )
            spec = found.spec if found else {}
            yield Claim(name, f"PersistentVolumeClaim {claim_name}", spec, re.compile(re.escape(str(claim_name))))
        template = (volume.get("ephemeral") or {}).get("volumeClaimTemplate")
        if isinstance(template, dict):
            # Ephemeral claims are named <pod>-<volume>; a controller's pods are named <workload>-<suffix>.
            pattern = re.compile(f"{re.escape(w.name)}-.+-{re.escape(name)}|{re.escape(w.name)}-{re.escape(name)}")
            yield Claim(name, "its ephemeral volume claim", template.get("spec") or {}, pattern)


def _template_claims(w: Workload) -> Iterator[Claim]:
    """A StatefulSet's claims are named <template>-<statefulset>-<ordinal> (StatefulSet docs, stable storage)."""
    templates = w.spec.get("volumeClaimTemplates") if w.kind == "StatefulSet" else None
    for template in [t for t in templates or [] if isinstance(t, dict)]:
        name = str((template.get("metadata") or {}).get("name", "?"))
        pattern = re.compile(f"{re.escape(name)}-{re.escape(w.name)}-[0-9]+")
        yield Claim(name, f"volumeClaimTemplate {name}", template.get("spec") or {}, pattern)


def _binds(claim: Claim, namespace: str, pv: Obj) -> bool:
    """The PV the claim gets: named by the claim, pre-bound to it, or chosen by the claim's selector."""
    if claim.spec.get("volumeName"):
        return bool(claim.spec.get("volumeName") == pv.name)
    ref = pv.spec.get("claimRef") or {}
    if ref.get("name"):
        return ref.get("namespace") == namespace and claim.names.fullmatch(str(ref["name"])) is not None
    wanted_class = claim.spec.get("storageClassName")
    same_class = wanted_class is None or wanted_class == pv.spec.get("storageClassName")
    return same_class and selector_matches(claim.spec.get("selector"), pv.labels)


def host_path_claims(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    host_volumes = [pv for pv in stack.kind("PersistentVolume") if pv.spec.get("hostPath")]
    if not host_volumes:
        return
    for o in stack.objects:
        w = o.workload
        if w is None:
            continue
        for claim in [*_named_claims(stack, w), *_template_claims(w)]:
            for pv in host_volumes:
                if _binds(claim, w.namespace, pv):
                    yield (
                        f"{w.kind} {w.name}: volume {claim.volume} claims {claim.label}, bound to PersistentVolume "
                        f"{pv.name}, a hostPath volume ({pv.spec['hostPath'].get('path', '?')}) on the node; back "
                        "the volume with network or CSI storage instead.",
                        o.urn,
                    )


POLICIES = [
    workload_policy(
        Meta(
            "no-host-namespaces",
            "Checks that pods do not share the node's network, PID or IPC namespace.",
            Severity.HIGH,
            "Remove hostNetwork, hostPID and hostIPC from the pod spec; expose ports via a Service.",
        ),
        host_namespaces,
    ),
    workload_policy(
        Meta(
            "no-host-ports",
            "Checks that no container binds a port of the node (hostPort).",
            Severity.HIGH,
            "Remove ports[].hostPort; expose the container port through a Service (ClusterIP behind the Ingress).",
        ),
        host_ports,
    ),
    workload_policy(
        Meta(
            "no-host-path-volumes",
            "Checks that pods do not mount directories of the node.",
            Severity.HIGH,
            "Replace hostPath volumes with a PersistentVolumeClaim, an emptyDir or a ConfigMap.",
        ),
        host_path_volumes,
    ),
    stack_policy(
        Meta(
            "no-host-path-persistent-volumes",
            "Checks that no pod claims a PersistentVolume that is a directory of the node (hostPath).",
            Severity.HIGH,
            "Back the PersistentVolume with network or CSI storage (or let a StorageClass provision it); a "
            "hostPath PersistentVolume gives the pod the node's files, whatever its claim says.",
        ),
        host_path_claims,
    ),
]
