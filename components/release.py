"""BlueGreenRelease: two tracks of one app (blue, green), a gated switch, one-setting rollback; and canary.

Objects (all built by the same pure builders as AppDeployment):
- per color: ConfigMap, Deployment, HPA, PDB and a color Service `<app>-<color>` whose selector
  never changes (Prometheus scrapes through it; the gate and the canary HTTPRoute address it);
- shared: ServiceAccount, NetworkPolicy, ServiceMonitor, the active Service `<app>` (what the
  Ingress and in-cluster clients use), the preview Service `<app>-preview` (the other color);
- the gate Job; canary: a Gateway API HTTPRoute splitting traffic between the color Services.

How this avoids the failure modes users report with Argo Rollouts (DESIGN.md "Blue-green"):
- "scaling touches the active track": each color has its own Deployment, HPA and PDB; nothing
  shared carries replicas, so changing one color never rewrites the other's objects (the change
  set test proves it). An idle color is only scaled down when `scaleDownIdle` says so, and then
  only after the active Service has moved (it `depends_on` the active Service).
- "the preview Service switches before pods are ready": a color's new version rolls out inside
  its own Deployment (maxUnavailable 0), so the Services only ever have ready pods behind them,
  and Pulumi waits for the Deployment to be Available before anything that depends on it.
- "a failed analysis still promotes": the gate Job runs only after the target color's Deployment
  is rolled out, and the active Service (or the HTTPRoute) `depends_on` the gate Job; backoffLimit 0
  and Pulumi's Job await make a failed gate fail `pulumi up` before the selector changes. There is
  no controller that can promote later on its own.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from components import gate, networking, workload
from components.app import migration
from components.image import ImageResolver
from components.registration import child_opts, register
from components.settings import COLORS, Settings

if TYPE_CHECKING:
    from components.database import Database

PREVIEW_SUFFIX = "-preview"
GATEWAY_API = "gateway.networking.k8s.io/v1"
# Pulumi waits for the gate Job; give it the Job's own deadline plus room to schedule and pull.
GATE_AWAIT_MARGIN_SECONDS = 120


def other(color: str) -> str:
    return COLORS[1 - COLORS.index(color)]


def canary_weight(settings: Settings) -> int | None:
    return settings.release.canary_weight if settings.release.strategy == "canary" else None


def gate_target(settings: Settings) -> str:
    """The color whose health decides: the new active color, or the canary color once it gets traffic."""
    active = settings.release.active_color
    weight = canary_weight(settings)
    return other(active) if weight else active


def track_replicas(settings: Settings, color: str) -> int | None:
    """None: the color's HPA decides. 0: the idle color scaled down by request. Else the fixed count."""
    idle = color != settings.release.active_color and settings.release.strategy == "blue-green"
    if idle and settings.release.scale_down_idle:
        return 0
    return None if workload.owns_replicas(settings) else settings.app.replicas


def track_settings(settings: Settings, color: str) -> tuple[str, str]:
    track = getattr(settings.release, color)
    return track.image, track.version


def build_active_service(settings: Settings) -> dict[str, Any]:
    """`<app>`: selects the active color. Scraping goes through the color Services instead."""
    selector = workload.selector_labels(settings, settings.release.active_color)
    return networking.build_service(settings, settings.app.name, selector, scrape=False)


def build_preview_service(settings: Settings) -> dict[str, Any]:
    selector = workload.selector_labels(settings, other(settings.release.active_color))
    return networking.build_service(settings, f"{settings.app.name}{PREVIEW_SUFFIX}", selector, scrape=False)


def build_color_service(settings: Settings, color: str) -> dict[str, Any]:
    name = workload.track_name(settings, color)
    _, version = track_settings(settings, color)
    return networking.build_service(
        settings, name, workload.selector_labels(settings, color), color=color, version=version
    )


def build_http_route(settings: Settings) -> dict[str, Any]:
    """Gateway API v1 HTTPRoute: (100 - w)% to the active color, w% to the other (canaryWeight)."""
    active = settings.release.active_color
    weight = settings.release.canary_weight
    release = settings.release

    def backend(color: str, share: int) -> dict[str, Any]:
        name = workload.track_name(settings, color)
        return {"group": "", "kind": "Service", "name": name, "port": settings.app.port, "weight": share}

    spec: dict[str, Any] = {
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
                "backendRefs": [backend(active, 100 - weight), backend(other(active), weight)],
            }
        ],
    }
    if settings.app.ingress.host:
        spec["hostnames"] = [settings.app.ingress.host]
    return {
        "apiVersion": GATEWAY_API,
        "kind": "HTTPRoute",
        "metadata": workload.metadata(settings, settings.app.name, workload.object_labels(settings, None)),
        "spec": spec,
    }


def network_sources(settings: Settings) -> list[dict[str, Any]]:
    sources = [gate.gate_source(settings)]
    if settings.release.strategy == "canary":  # the Gateway's data plane forwards to the pods
        sources.append(
            {
                "namespaceSelector": {
                    "matchLabels": {networking.NAMESPACE_NAME_LABEL: settings.release.gateway_namespace}
                }
            }
        )
    return sources


class BlueGreenRelease(pulumi.ComponentResource):
    """Two colors of the app behind a gated active Service (blue-green) or a weighted HTTPRoute (canary)."""

    active_color: pulumi.Output[str]
    service_url: pulumi.Output[str]
    preview_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: Settings,
        namespace: pulumi.Resource | None = None,
        database: Database | None = None,
        monitoring: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("greenlight:index:BlueGreenRelease", name, None, opts)
        release = settings.release
        active = release.active_color
        images = ImageResolver(name, settings, self)

        def child(role: str, manifest: Any, *after: pulumi.Resource, **extra: Any) -> pulumi.CustomResource:
            opts = pulumi.ResourceOptions.merge(child_opts(self, namespace, *after), pulumi.ResourceOptions(**extra))
            return register(f"{name}-{role}", manifest, opts)

        account = child("serviceaccount", workload.build_service_account(settings))
        sources = network_sources(settings)
        child("networkpolicy", networking.build_network_policy(settings, sources))
        if settings.monitoring.enabled:
            child("servicemonitor", networking.build_service_monitor(settings), *monitoring)

        deployments: dict[str, pulumi.CustomResource] = {}
        color_services: dict[str, pulumi.CustomResource] = {}
        refs: dict[str, Any] = {}
        migrated: set[tuple[str, str]] = set()

        def track(color: str, *after: pulumi.Resource) -> None:
            configured, version = track_settings(settings, color)
            image = refs[color] = images.resolve(configured, version)
            deps: list[pulumi.Resource] = [account, *after]
            # One migration Job per distinct (image, version): the Job's name derives from both.
            if (configured, version) not in migrated:
                migrated.add((configured, version))
                deps += migration(f"{name}-{color}-migrate", settings, image, version, database, self)
            deps.append(child(f"{color}-config", workload.build_config_map(settings, color, version)))
            replicas = track_replicas(settings, color)
            manifest = workload.build_deployment(settings, color, image, version, replicas)
            deployments[color] = child(f"{color}-deployment", manifest, *deps)
            color_services[color] = child(f"{color}-service", build_color_service(settings, color))
            if replicas is None and workload.owns_replicas(settings):
                child(f"{color}-hpa", workload.build_hpa(settings, color, version), deployments[color])
            child(f"{color}-pdb", workload.build_pdb(settings, color, version))

        idle = other(active)
        # A scaled-down idle color goes to 0 only after the active Service has left it.
        scale_idle_after_switch = track_replicas(settings, idle) == 0
        track(active)
        if not scale_idle_after_switch:
            track(idle)

        target = gate_target(settings)
        gate_policy = gate.build_gate_network_policy(settings)
        switch_after: list[pulumi.Resource] = [deployments[target], color_services[target]]
        if release.gate.enabled:
            # After the target's rollout: judging while it rolls would test the old pods (or none yet).
            gate_after = [deployments[target], color_services[target], child("gate-networkpolicy", gate_policy)]
            switch_after.append(self._gate(name, settings, target, refs[target], gate_after, child))
        active_service = child("active-service", build_active_service(settings), *switch_after)
        if scale_idle_after_switch:
            track(idle, active_service)
        child("preview-service", build_preview_service(settings), deployments[idle])
        if release.strategy == "canary":
            child("httproute", build_http_route(settings), *switch_after, *color_services.values())
        elif settings.app.ingress.enabled:
            child("ingress", networking.build_ingress(settings, settings.app.name))

        self.active_color = pulumi.Output.from_input(active)
        self.service_url = pulumi.Output.from_input(networking.service_url(settings, settings.app.name))
        self.preview_url = pulumi.Output.from_input(
            networking.service_url(settings, f"{settings.app.name}{PREVIEW_SUFFIX}")
        )
        self.register_outputs(
            {
                "activeColor": self.active_color,
                "serviceUrl": self.service_url,
                "previewUrl": self.preview_url,
                "images": refs,
            }
        )

    @staticmethod
    def _gate(
        name: str, settings: Settings, color: str, image: Any, after: Sequence[pulumi.Resource], child: Any
    ) -> pulumi.CustomResource:
        _, version = track_settings(settings, color)
        url = networking.service_url(settings, workload.track_name(settings, color))
        weight = canary_weight(settings)
        job = pulumi.Output.from_input(image).apply(
            lambda ref: gate.build_gate_job(settings, color, version, ref, url, weight)
        )
        timeout = f"{settings.release.gate.timeout_seconds + GATE_AWAIT_MARGIN_SECONDS}s"
        manifest = {"apiVersion": "batch/v1", "kind": "Job", "metadata": job["metadata"], "spec": job["spec"]}
        return child("gate", manifest, *after, custom_timeouts=pulumi.CustomTimeouts(create=timeout, update=timeout))
