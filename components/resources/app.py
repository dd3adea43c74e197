"""AppDeployment: the app's rolling-update workload and everything around it, as one component.

The objects come from the pure builders in components/objects/; this module only registers them
(parented, named `<name>-<role>`). The blue-green release registers the same builders once per color.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components.contract import service_url
from components.objects import networking, plan, workload
from components.objects.meta import selector_labels
from components.resources.database import Database
from components.resources.image import ImageResolver
from components.resources.migration import migration_job
from components.resources.moves import ROLLING_TO_RELEASE, Counterpart
from components.resources.register import child_opts, register
from components.settings import AppSpec


class AppDeployment(pulumi.ComponentResource):
    """ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB, NetworkPolicy, ServiceMonitor, Ingress."""

    service_name: pulumi.Output[str]
    service_url: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    image: pulumi.Output[str]

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
        """`database`: migrate before the Deployment rolls; `monitoring`: what installs the ServiceMonitor CRD;
        `moved_from`: the BlueGreenRelease that held the app's objects under another strategy (moves.py)."""
        super().__init__("greenlight:index:AppDeployment", name, None, opts)
        track = ImageResolver(name, spec, self).resolve_track(plan.rolling_track(spec))

        def child(role: str, manifest: dict[str, Any], *after: pulumi.Resource) -> pulumi.CustomResource:
            aliases = moved_from.alias(ROLLING_TO_RELEASE[role]) if moved_from and role in ROLLING_TO_RELEASE else []
            return register(f"{name}-{role}", manifest, child_opts(self, [namespace, *after], aliases=aliases))

        account = child("serviceaccount", workload.build_service_account(spec))
        config = child("config", workload.build_config_map(spec, track))
        migrated = []
        if database is not None:
            # The release's Job for the active color runs the same image when the strategy changes.
            role = f"{spec.release.active_color}-migrate"
            migrated.append(migration_job(f"{name}-migrate", spec, track, database.ready, self, moved_from, role))
        deployment = child("deployment", workload.build_deployment(spec, track), account, config, *migrated)
        child("service", networking.build_service(spec, spec.name, selector_labels(spec)))
        if plan.owns_replicas(spec):
            child("hpa", workload.build_hpa(spec, track), deployment)
        child("pdb", workload.build_pdb(spec, track))
        child("networkpolicy", networking.build_network_policy(spec))
        if spec.monitoring.enabled:  # the ServiceMonitor CRD comes with kube-prometheus-stack
            child("servicemonitor", networking.build_service_monitor(spec), *monitoring)
        if spec.app.ingress.enabled:
            child("ingress", networking.build_ingress(spec, spec.name))

        self.service_name = pulumi.Output.from_input(spec.name)
        self.service_url = pulumi.Output.from_input(service_url(spec.name, spec.namespace, spec.app.port))
        self.deployment_name = deployment.id.apply(lambda _: track.name)  # known once it exists
        self.image = pulumi.Output.from_input(track.image)
        self.register_outputs(
            {
                "serviceName": self.service_name,
                "serviceUrl": self.service_url,
                "deploymentName": self.deployment_name,
                "image": self.image,
            }
        )
