"""Canary: a Gateway API v1 HTTPRoute splits traffic between the color Services by canaryWeight."""

from __future__ import annotations

import re

from benchmarks.release_changes import diff_renders
from tests.support.gate import promotion_gate
from tests.support.preview import Preview, preview

CANARY = ("greenlight:release.strategy=canary", "greenlight:release.canaryWeight=10")
# Gateway API v1 (gateway.networking.k8s.io, standard channel) HTTPRoute field rules.
MAX_WEIGHT = 1_000_000
DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
PATH_MATCH_TYPES = {"Exact", "PathPrefix", "RegularExpression"}
MAX_BACKEND_REFS = 16
MAX_PARENT_REFS = 32


def test_http_route_follows_gateway_api_v1() -> None:
    route = preview("prod", *CANARY).manifest("HTTPRoute", "web")
    assert route["apiVersion"] == "gateway.networking.k8s.io/v1"
    spec = route["spec"]
    assert set(spec) <= {"parentRefs", "hostnames", "rules"}
    assert 1 <= len(spec["parentRefs"]) <= MAX_PARENT_REFS
    (parent,) = spec["parentRefs"]
    assert set(parent) <= {"group", "kind", "namespace", "name", "sectionName", "port"}
    assert parent["group"] == "gateway.networking.k8s.io" and parent["kind"] == "Gateway"
    assert (parent["name"], parent["namespace"]) == ("public", "gateway")
    assert all(DNS_SUBDOMAIN.fullmatch(h) for h in spec["hostnames"])
    (rule,) = spec["rules"]
    assert set(rule) <= {"name", "matches", "filters", "backendRefs", "timeouts", "sessionPersistence"}
    for match in rule["matches"]:
        assert match["path"]["type"] in PATH_MATCH_TYPES and match["path"]["value"].startswith("/")
    assert 1 <= len(rule["backendRefs"]) <= MAX_BACKEND_REFS
    for ref in rule["backendRefs"]:
        assert set(ref) <= {"group", "kind", "name", "namespace", "port", "weight", "filters"}
        assert ref["group"] == "" and ref["kind"] == "Service"  # core Services need an explicit port
        assert isinstance(ref["port"], int) and 1 <= ref["port"] <= 65535
        assert isinstance(ref["weight"], int) and 0 <= ref["weight"] <= MAX_WEIGHT


def test_weights_split_active_and_canary() -> None:
    p = preview("prod", *CANARY)
    refs = {r["name"]: r["weight"] for r in p.manifest("HTTPRoute", "web")["spec"]["rules"][0]["backendRefs"]}
    assert refs == {"web-blue": 90, "web-green": 10}
    for name in refs:  # each backend is a color Service that selects exactly its color
        assert p.manifest("Service", name)["spec"]["selector"]["greenlight.dev/color"] == name.split("-")[1]


def test_a_step_changes_only_the_route_and_runs_the_gates_again() -> None:
    """The step's promotion gate (capacity before the weight moves) and its step gate (real traffic after)."""
    step = ("greenlight:release.strategy=canary", "greenlight:release.canaryWeight=50")
    c = diff_renders(preview("prod", *CANARY), preview("prod", *step))
    assert c.changed == ["HTTPRoute/web"]
    assert [n.split("/")[0] for n in c.added] == [n.split("/")[0] for n in c.removed] == ["Job", "Job"]


def test_route_waits_for_the_gate() -> None:
    p = preview("prod", *CANARY)
    by_name = {r.name: r for r in p.resources}
    assert by_name["release-gate"].urn in by_name["release-httproute"].dependencies
    assert promotion_gate(p)["metadata"]["labels"]["greenlight.dev/color"] == "green"  # judges the canary
    assert p.manifests("Ingress") == []  # the Gateway carries the traffic; an Ingress would bypass the split


def test_abort_sends_everything_back_without_waiting_for_a_gate() -> None:
    aborted = preview("prod", "greenlight:release.strategy=canary")  # canaryWeight 0
    c = diff_renders(preview("prod", *CANARY), aborted)
    assert c.changed == ["HTTPRoute/web"] and c.added == []
    assert [n.split("/")[0] for n in c.removed] == ["Job", "Job"]  # the step's gates go; none replaces them
    refs = {r["name"]: r["weight"] for r in aborted.manifest("HTTPRoute", "web")["spec"]["rules"][0]["backendRefs"]}
    assert refs == {"web-blue": 100, "web-green": 0}


def admitted_namespaces(p: Preview) -> set[str]:
    sources = p.manifest("NetworkPolicy", "web")["spec"]["ingress"][0]["from"]
    return {
        s["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
        for s in sources
        if "namespaceSelector" in s
    }


def test_the_gateway_data_plane_namespace_is_admitted_defaulting_to_the_gateways() -> None:
    assert "gateway" in admitted_namespaces(preview("prod", *CANARY))
    envoy = preview("prod", *CANARY, "greenlight:release.gatewayDataPlaneNamespace=envoy-gateway-system")
    assert "envoy-gateway-system" in admitted_namespaces(envoy) and "gateway" not in admitted_namespaces(envoy)
    parent = envoy.manifest("HTTPRoute", "web")["spec"]["parentRefs"][0]
    assert parent["namespace"] == "gateway"  # the route still attaches to the Gateway where it lives
