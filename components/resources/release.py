"""BlueGreenRelease: two tracks of one app (blue, green), a gated switch, one-setting rollback; and canary.

Objects (all built by the same pure builders as AppDeployment, components/objects/):
- per color: ConfigMap, Deployment, HPA, PDB, a color Service `<app>-<color>` whose selector never
  changes (Prometheus scrapes through it; the gates and the canary HTTPRoute address it), and a
  landing gate Job that judges the version the color runs when it lands there;
- shared: ServiceAccount, NetworkPolicy, ServiceMonitor, the active Service `<app>` (what the
  Ingress and in-cluster clients use), the preview Service `<app>-preview` (the other color);
- the promotion gate Job; canary: a Gateway API HTTPRoute splitting traffic between the color Services,
  and at a weight above 0 the step's gate Job after it (components/objects/canary.py).

How this avoids the failure modes users report with Argo Rollouts (DESIGN.md "Blue-green"):
- "scaling touches the active track": each color has its own Deployment, HPA and PDB; a promotion
  changes the two Services and runs the gate, and raises the target's HPA minimum only when the live
  color runs more pods than it (read from the cluster, components/resources/live.py).
- "the preview Service switches before pods are ready": a color's new version rolls out inside its own
  Deployment (maxUnavailable 0), and both Services move only after the target rolled out, ran as many
  ready pods as the live color and passed its gates.
- "a failed analysis still promotes": the Services (or the HTTPRoute) `depends_on` the gate Jobs;
  backoffLimit 0 and Pulumi's Job await fail `pulumi up` before a selector changes. No controller can
  promote later on its own.
A rollback (traffic back to the older version, components/objects/plan.py) waits for no gate Job: the
switch depends only on that color's Deployment, which already runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi

from components.contract import preview_service_name, service_url
from components.objects import canary, gate, networking, plan, release, workload
from components.objects.plan import Track
from components.resources.database import Database
from components.resources.image import ImageResolver
from components.resources.live import observed_replicas
from components.resources.migration import migration_job
from components.resources.moves import RELEASE_TO_ROLLING, Counterpart
from components.resources.register import child_opts, register, split
from components.settings import AppSpec

# Pulumi waits for a gate Job; give it the Job's own deadline plus room to schedule and pull.
GATE_AWAIT_MARGIN_SECONDS = 120


@dataclass(frozen=True)
class TrackObjects:
    deployment: pulumi.Resource
    service: pulumi.Resource
    landing_gate: pulumi.Resource | None


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
        moved_from: Counterpart | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`moved_from`: the AppDeployment that held the app's objects while the strategy was rolling."""
        super().__init__("greenlight:index:BlueGreenRelease", name, None, opts)
        self._name, self._spec, self._namespace, self._database = name, spec, namespace, database
        self._moved_from = moved_from
        self._plan = release_plan = plan.release_plan(spec)
        images = ImageResolver(name, spec, self)
        tracks = {c: images.resolve_track(plan.color_track(spec, release_plan, c)) for c in ("blue", "green")}
        self._migrated: set[tuple[str, str]] = set()
        self._hpas: dict[str, pulumi.Resource] = {}

        self._account = self._child("serviceaccount", workload.build_service_account(spec))
        self._child("networkpolicy", networking.build_network_policy(spec, release.network_sources(spec)))
        # The gates judge what Prometheus scrapes: they start after the monitor (and the stack behind it) exists.
        self._monitor = None
        if spec.monitoring.enabled:
            self._monitor = self._child("servicemonitor", networking.build_service_monitor(spec), *monitoring)
        self._gate_policy = None
        if spec.release.gate.enabled:
            self._gate_policy = self._child("gate-networkpolicy", gate.build_gate_network_policy(spec))
        active, idle = tracks[release_plan.active], tracks[release_plan.idle]
        colors = {release_plan.active: self._track(active)}
        if not release_plan.scale_idle_after_switch:
            colors[release_plan.idle] = self._track(idle)
        self._autoscale(tracks, colors)
        switch_after = self._switch_after(tracks[release_plan.gate_target], colors)
        active_service = self._child("active-service", release.build_active_service(spec, release_plan), *switch_after)
        if release_plan.scale_idle_after_switch:  # a scaled-down idle color goes to 0 only after the switch
            colors[release_plan.idle] = self._track(idle, active_service)
        preview = release.build_preview_service(spec, release_plan)
        self._child("preview-service", preview, *switch_after, colors[release_plan.idle].deployment)
        if spec.release.strategy == "canary":
            color_services = [objects.service for objects in colors.values()]
            route = self._child(
                "httproute", release.build_http_route(spec, release_plan), *switch_after, *color_services
            )
            if release_plan.judged_step:  # after the route: it judges the traffic the new weight sends
                target = tracks[release_plan.gate_target]
                job = self._image_manifest(target, lambda t: canary.build_step_job(spec, release_plan, t))
                self._gate_job("step-gate", job, route, deadline=canary.step_deadline_seconds(spec))
        elif spec.app.ingress.enabled:
            self._child("ingress", networking.build_ingress(spec, spec.name))
        self._outputs(tracks)

    def _child(self, role: str, manifest: Any, *after: pulumi.Resource | None, **extra: Any) -> pulumi.CustomResource:
        if self._moved_from is not None and role in RELEASE_TO_ROLLING:
            extra.setdefault("aliases", self._moved_from.alias(RELEASE_TO_ROLLING[role]))
        opts = child_opts(self, [self._namespace, *after], **extra)
        return register(f"{self._name}-{role}", manifest, opts)

    def _track(self, track: Track, *after: pulumi.Resource) -> TrackObjects:
        """One color's objects but its HPA; with landing gates, the gate that judges what it runs."""
        spec, color = self._spec, str(track.color)
        deps: list[pulumi.Resource] = [self._account, *after]
        # One migration Job per distinct (image, version): the Job's name derives from both.
        configured = getattr(spec.release, color)
        if self._database is not None and (configured.image, track.version) not in self._migrated:
            moved_from = self._moved_from if color == self._plan.active else None  # the rolling track's Job
            self._migrated.add((configured.image, track.version))
            ready = self._database.ready
            deps.append(migration_job(f"{self._name}-{color}-migrate", spec, track, ready, self, moved_from, "migrate"))
        deps.append(self._child(f"{color}-config", workload.build_config_map(spec, track)))
        deployment = self._child(f"{color}-deployment", workload.build_deployment(spec, track), *deps)
        service = self._child(f"{color}-service", release.build_color_service(spec, track))
        self._child(f"{color}-pdb", workload.build_pdb(spec, track))
        landing = None
        if self._plan.landing_gates:
            job = self._image_manifest(track, lambda t: gate.build_landing_job(spec, t, self._url(t)))
            landing = self._gate_job(f"{color}-gate", job, deployment, service)
        return TrackObjects(deployment, service, landing)

    def _autoscale(self, tracks: dict[str, Track], colors: dict[str, TrackObjects]) -> None:
        """An HPA per running color. The target's minimum follows the live color's size: before traffic
        moves, the target scales to at least what the color it replaces runs now."""
        spec, release_plan = self._spec, self._plan
        for color, objects in colors.items():
            if tracks[color].replicas is not None or not plan.owns_replicas(spec):
                continue
            minimum = None
            source = release_plan.capacity_from
            if color == release_plan.gate_target and release_plan.match_live_capacity and source in colors:
                name, live_deployment = f"{self._name}-{source}-observed", colors[source].deployment
                live = observed_replicas(name, spec.namespace, tracks[source].name, live_deployment, self)
                minimum = live.apply(lambda replicas: plan.capacity_floor(spec, release_plan, replicas))
            hpa = workload.build_hpa(spec, tracks[color], minimum)
            self._hpas[color] = self._child(f"{color}-hpa", hpa, objects.deployment)

    def _switch_after(self, target: Track, colors: dict[str, TrackObjects]) -> list[pulumi.Resource]:
        """What the traffic switch waits for: the target rolled out and, for a promotion, its gates passed."""
        objects = colors[str(target.color)]
        switch_after = [objects.deployment, objects.service]
        if self._plan.gated_switch:
            landing = [objects.landing_gate] if objects.landing_gate else []
            hpa = [self._hpas[str(target.color)]] if str(target.color) in self._hpas else []
            job = self._image_manifest(target, lambda t: gate.build_gate_job(self._spec, self._plan, t, self._url(t)))
            switch_after += [*landing, self._gate_job("gate", job, *switch_after, *hpa, *landing)]
        return switch_after

    def _url(self, track: Track) -> str:
        return service_url(track.name, self._spec.namespace, self._spec.app.port)

    def _image_manifest(self, track: Track, build: Any) -> dict[str, Any]:
        """A Job manifest built once the track's image reference is known (it may be built by this stack)."""
        job = pulumi.Output.from_input(track.image).apply(lambda ref: build(track.with_image(ref)))
        return split(job, "batch/v1", "Job")

    def _gate_job(
        self, role: str, job: dict[str, Any], *after: pulumi.Resource, deadline: int | None = None
    ) -> pulumi.CustomResource:
        # Judging while the color rolls would test the old pods (or none yet): after its rollout.
        timeout = f"{(deadline or self._spec.release.gate.timeout_seconds) + GATE_AWAIT_MARGIN_SECONDS}s"
        timeouts = pulumi.CustomTimeouts(create=timeout, update=timeout)
        return self._child(role, job, *after, self._gate_policy, self._monitor, custom_timeouts=timeouts)

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
