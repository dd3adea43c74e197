"""Pure builders of a blue-green release's shared objects: the live, preview and color Services, and
the canary HTTPRoute. The tracks themselves come from workload.py, one per color.
"""

from __future__ import annotations

from typing import Any

from components.contract import NAMESPACE_NAME_LABEL, preview_service_name, track_name
from components.objects import gate, networking
from components.objects.meta import app_labels, metadata, selector_labels
from components.objects.plan import ReleasePlan, Track
from components.settings import AppSpec

GATEWAY_API = "gateway.networking.k8s.io/v1"


def build_active_service(spec: AppSpec, plan: ReleasePlan) -> dict[str, Any]:
    """`<app>`: selects the active color. Scraping goes through the color Services instead."""
    return networking.build_service(spec, spec.name, selector_labels(spec, plan.active), scrape=False)


def build_preview_service(spec: AppSpec, plan: ReleasePlan) -> dict[str, Any]:
    """`<app>-preview`: selects the idle color, for checks before a promotion."""
    selector = selector_labels(spec, plan.idle)
    return networking.build_service(spec, preview_service_name(spec.name), selector, scrape=False)


def build_color_service(spec: AppSpec, track: Track) -> dict[str, Any]:
    """`<app>-<color>`: one color's pods, always; Prometheus, the gate and the HTTPRoute use it."""
    selector = selector_labels(spec, track.color)
    return networking.build_service(spec, track.name, selector, color=track.color, version=track.version)


def build_http_route(spec: AppSpec, plan: ReleasePlan) -> dict[str, Any]:
    """Gateway API v1 HTTPRoute: (100 - w)% to the active color, w% to the other (canaryWeight)."""
    weight = spec.release.canary_weight
    release = spec.release

    def backend(color: str, share: int) -> dict[str, Any]:
        name = track_name(spec.name, color)
        return {"group": "", "kind": "Service", "name": name, "port": spec.app.port, "weight": share}

    route: dict[str, Any] = {
        "parentRefs": [
            {
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
                "name": release.gateway_name,
                "namespace": release.gateway_namespace,
            }
        ],
        "rules": [
            {
                "matches": [{"path": {"type": "PathPrefix", "value": "/"}}],
                "backendRefs": [backend(plan.active, 100 - weight), backend(plan.idle, weight)],
            }
        ],
    }
    if spec.app.ingress.host:
        route["hostnames"] = [spec.app.ingress.host]
    return {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": metadata(spec, spec.name, app_labels(spec)),
        "spec": route,
    }


def network_sources(spec: AppSpec) -> list[dict[str, Any]]:
    """Extra peers the app's NetworkPolicy admits in a release: the gate's pods, the Gateway's data plane."""
    sources = [gate.gate_source(spec)]
    if spec.release.strategy == "canary":  # the Gateway's data plane forwards to the pods
        # Envoy Gateway, for one, runs its proxies in its own namespace, not the Gateway's.
        gateway_ns = {NAMESPACE_NAME_LABEL: spec.release.data_plane_namespace}
        sources.append({"namespaceSelector": {"matchLabels": gateway_ns}})
    return sources
