"""Would Kubernetes let this connection through these NetworkPolicies? (networking.k8s.io/v1 semantics)

A pod is isolated for a direction once any policy of its namespace selects it with that policy type;
then some such policy must have a rule whose peers and ports admit the connection. Both ends must
admit it: the source's egress and the destination's ingress. Peers outside the cluster (the API server,
the internet) are matched only by rules that name no peer. Named ports and ipBlocks are not modelled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name"  # the label every namespace carries


@dataclass(frozen=True)
class Endpoint:
    namespace: str = ""  # "" for an address outside the cluster's pods
    labels: Mapping[str, str] = field(default_factory=dict)

    @property
    def in_cluster(self) -> bool:
        return bool(self.namespace)


OUTSIDE = Endpoint()


def selects(selector: Mapping[str, Any] | None, labels: Mapping[str, str]) -> bool:
    """LabelSelector semantics: {} selects everything."""
    selector = selector or {}
    if any(labels.get(k) != v for k, v in (selector.get("matchLabels") or {}).items()):
        return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr["key"], expr["operator"], expr.get("values") or []
        present = key in labels
        if (op == "In" and (not present or labels[key] not in values)) or (op == "NotIn" and labels.get(key) in values):
            return False
        if (op == "Exists" and not present) or (op == "DoesNotExist" and present):
            return False
    return True


def _peer_matches(peer: Mapping[str, Any], policy_namespace: str, other: Endpoint) -> bool:
    if not other.in_cluster:
        return False  # pod and namespace selectors never match an address outside the cluster's pods
    if "namespaceSelector" in peer:
        namespace_ok = selects(peer["namespaceSelector"], {NAMESPACE_NAME_LABEL: other.namespace})
    else:
        namespace_ok = other.namespace == policy_namespace
    return namespace_ok and selects(peer.get("podSelector"), other.labels)


def _port_matches(ports: list[Mapping[str, Any]] | None, port: int, protocol: str) -> bool:
    return not ports or any(p.get("port") == port and p.get("protocol", "TCP") == protocol for p in ports)


def _admits(
    policies: list[Mapping[str, Any]], pod: Endpoint, other: Endpoint, port: int, protocol: str, way: str
) -> bool:
    kind, peers_key = ("Ingress", "from") if way == "ingress" else ("Egress", "to")
    isolating = [
        p
        for p in policies
        if p["metadata"]["namespace"] == pod.namespace
        and selects(p["spec"].get("podSelector"), pod.labels)
        and kind in p["spec"].get("policyTypes", ["Ingress"])
    ]
    if not isolating:
        return True
    for policy in isolating:
        for rule in policy["spec"].get(way) or []:
            peers = rule.get(peers_key)
            peer_ok = not peers or any(_peer_matches(peer, pod.namespace, other) for peer in peers)
            if peer_ok and _port_matches(rule.get("ports"), port, protocol):
                return True
    return False


def allowed(
    policies: Iterable[Mapping[str, Any]], source: Endpoint, destination: Endpoint, port: int, protocol: str = "TCP"
) -> bool:
    """Source's egress and destination's ingress both admit the connection (ends outside the cluster: no policy)."""
    found = list(policies)
    egress_ok = not source.in_cluster or _admits(found, source, destination, port, protocol, "egress")
    ingress_ok = not destination.in_cluster or _admits(found, destination, source, port, protocol, "ingress")
    return egress_ok and ingress_ok
