"""BlueGreenRelease: two tracks of one app (blue, green), a gated switch, one-setting rollback; and canary.

Objects (all built by the same pure builders as AppDeployment, components/objects/):
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
from typing import Any

import pulumi

from components.contract import preview_service_name, service_url
from components.objects import gate, networking, plan, release, workload
from components.objects.plan import Track
from components.resources.database import Database
from components.resources.image import ImageResolver
from components.resources.migration import migration_job
from components.resources.register import child_opts, register, split
from components.settings import AppSpec

# Pulumi waits for the gate Job; give it the Job's own deadline plus room to schedule and pull.
GATE_AWAIT_MARGIN_SECONDS = 120


class BlueGreenRelease(pulumi.ComponentResource):
    """Two colors of the app behind a gated active Service (blue-green) or a weighted HTTPRoute (canary)."""

    active_color: pulumi.Output[str]
    service_url: pulumi.Output[str]
    preview_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        spec: AppSpec,
        namespace: pulumi.Resource | None = None,
        database: Database | None = None,
        monitoring: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("greenlight:index:BlueGreenRelease", name, None, opts)
        self._name, self._spec, self._namespace, self._database = name, spec, namespace, database
        self._plan = release_plan = plan.release_plan(spec)
        images = ImageResolver(name, spec, self)
        tracks = {c: images.resolve_track(plan.color_track(spec, release_plan, c)) for c in ("blue", "green")}
        self._migrated: set[tuple[str, str]] = set()

        self._account = self._child("serviceaccount", workload.build_service_account(spec))
        self._child("networkpolicy", networking.build_network_policy(spec, release.network_sources(spec)))
        if spec.monitoring.enabled:
            self._child("servicemonitor", networking.build_service_monitor(spec), *monitoring)
        active, idle = tracks[release_plan.active], tracks[release_plan.idle]
        deployments = {active.color: self._track(active)}
        if not release_plan.scale_idle_after_switch:
            deployments[idle.color] = self._track(idle)
        target = tracks[release_plan.gate_target]
        switch_after = self._switch_after(target, deployments[target.color])
        active_service = self._child("active-service", release.build_active_service(spec, release_plan), *switch_after)
        if release_plan.scale_idle_after_switch:  # a scaled-down idle color goes to 0 only after the switch
            deployments[idle.color] = self._track(idle, active_service)
        self._child("preview-service", release.build_preview_service(spec, release_plan), deployments[idle.color][0])
        if spec.release.strategy == "canary":
            color_services = [d[1] for d in deployments.values()]
            self._child("httproute", release.build_http_route(spec, release_plan), *switch_after, *color_services)
        elif spec.app.ingress.enabled:
            self._child("ingress", networking.build_ingress(spec, spec.name))
        self._outputs(tracks)

    def _child(self, role: str, manifest: Any, *after: pulumi.Resource, **extra: Any) -> pulumi.CustomResource:
        opts = child_opts(self, [self._namespace, *after], **extra)
        return register(f"{self._name}-{role}", manifest, opts)

    def _track(self, track: Track, *after: pulumi.Resource) -> tuple[pulumi.Resource, pulumi.Resource]:
        """One color's objects; returns its Deployment and its color Service."""
        spec, color = self._spec, str(track.color)
        deps: list[pulumi.Resource] = [self._account, *after]
        # One migration Job per distinct (image, version): the Job's name derives from both.
        configured = getattr(spec.release, color)
        if self._database is not None and (configured.image, track.version) not in self._migrated:
            self._migrated.add((configured.image, track.version))
            deps.append(migration_job(f"{self._name}-{color}-migrate", spec, track, self._database.ready, self))
        deps.append(self._child(f"{color}-config", workload.build_config_map(spec, track)))
        deployment = self._child(f"{color}-deployment", workload.build_deployment(spec, track), *deps)
        service = self._child(f"{color}-service", release.build_color_service(spec, track))
        if track.replicas is None and plan.owns_replicas(spec):
            self._child(f"{color}-hpa", workload.build_hpa(spec, track), deployment)
        self._child(f"{color}-pdb", workload.build_pdb(spec, track))
        return deployment, service

    def _switch_after(
        self, target: Track, target_objects: tuple[pulumi.Resource, pulumi.Resource]
    ) -> list[pulumi.Resource]:
        """What the traffic switch waits for: the target color rolled out and, if enabled, its gate passed."""
        switch_after = list(target_objects)
        if self._spec.release.gate.enabled:
            # After the target's rollout: judging while it rolls would test the old pods (or none yet).
            policy = self._child("gate-networkpolicy", gate.build_gate_network_policy(self._spec))
            switch_after.append(self._gate(target, [*target_objects, policy]))
        return switch_after

    def _gate(self, target: Track, after: Sequence[pulumi.Resource]) -> pulumi.CustomResource:
        spec, weight = self._spec, self._plan.canary_weight
        url = service_url(target.name, spec.namespace, spec.app.port)
        job = pulumi.Output.from_input(target.image).apply(
            lambda ref: gate.build_gate_job(spec, target.with_image(ref), url, weight)
        )
        timeout = f"{spec.release.gate.timeout_seconds + GATE_AWAIT_MARGIN_SECONDS}s"
        timeouts = pulumi.CustomTimeouts(create=timeout, update=timeout)
        return self._child("gate", split(job, "batch/v1", "Job"), *after, custom_timeouts=timeouts)

    def _outputs(self, tracks: dict[str, Track]) -> None:
        spec = self._spec
        self.active_color = pulumi.Output.from_input(self._plan.active)
        self.service_url = pulumi.Output.from_input(service_url(spec.name, spec.namespace, spec.app.port))
        preview = preview_service_name(spec.name)
        self.preview_url = pulumi.Output.from_input(service_url(preview, spec.namespace, spec.app.port))
        images = {color: track.image for color, track in tracks.items()}
        self.register_outputs(
            {
                "activeColor": self.active_color,
                "serviceUrl": self.service_url,
                "previewUrl": self.preview_url,
                "images": images,
            }
        )
