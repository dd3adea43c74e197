"""AppDeployment: the app's rolling-update workload and everything around it, as one component.

The objects come from the pure builders in components/workload.py and components/networking.py;
this module only registers them with Pulumi (parented, named `<name>-<role>`). The blue-green
release (components/release.py) registers the same builders once per color.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pulumi

from components import migrations, networking, workload
from components.image import ImageResolver
from components.registration import child_opts, register
from components.settings import Settings

if TYPE_CHECKING:
    from components.database import Database


def migration(
    name: str, settings: Settings, image: Any, version: str, db: Database | None, parent: pulumi.Resource
) -> list[pulumi.Resource]:
    """The schema migration Job for this image (components/migrations.py), if there is a database.

    Returned as a dependency list: the Deployment that runs `image` waits for its migration.
    """
    if db is None:
        return []
    job = migrations.migration_job(
        name, settings, image, version, db.url_secret_name, depends_on=[db.cluster, db.url_secret], parent=parent
    )
    return [job]


class AppDeployment(pulumi.ComponentResource):
    """ServiceAccount, ConfigMap, Deployment, Service, HPA, PDB, NetworkPolicy, ServiceMonitor, Ingress."""

    service_name: pulumi.Output[str]
    service_url: pulumi.Output[str]
    deployment_name: pulumi.Output[str]
    image: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: Settings,
        namespace: pulumi.Resource | None = None,
        database: Database | None = None,
        monitoring: Sequence[pulumi.Resource] = (),
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`database`: migrate before the Deployment rolls; `monitoring`: what installs the ServiceMonitor CRD."""
        super().__init__("greenlight:index:AppDeployment", name, None, opts)
        app = settings.app
        image = ImageResolver(name, settings, self).resolve(app.image, app.version)

        def child(role: str, manifest: dict[str, Any], *after: pulumi.Resource) -> pulumi.CustomResource:
            return register(f"{name}-{role}", manifest, child_opts(self, namespace, *after))

        account = child("serviceaccount", workload.build_service_account(settings))
        config = child("config", workload.build_config_map(settings, None, app.version))
        replicas = None if workload.owns_replicas(settings) else app.replicas
        deployment_manifest = workload.build_deployment(settings, None, image, app.version, replicas)
        migrated = migration(f"{name}-migrate", settings, image, app.version, database, self)
        deployment = child("deployment", deployment_manifest, account, config, *migrated)
        service_manifest = networking.build_service(settings, app.name, workload.selector_labels(settings))
        child("service", service_manifest)
        if workload.owns_replicas(settings):
            child("hpa", workload.build_hpa(settings, None, app.version), deployment)
        child("pdb", workload.build_pdb(settings, None, app.version))
        child("networkpolicy", networking.build_network_policy(settings))
        if settings.monitoring.enabled:  # the ServiceMonitor CRD comes with kube-prometheus-stack
            child("servicemonitor", networking.build_service_monitor(settings), *monitoring)
        if app.ingress.enabled:
            child("ingress", networking.build_ingress(settings, app.name))

        self.service_name = pulumi.Output.from_input(app.name)
        self.service_url = pulumi.Output.from_input(networking.service_url(settings, app.name))
        deployment_name = deployment_manifest["metadata"]["name"]
        self.deployment_name = deployment.id.apply(lambda _: deployment_name)  # known once it exists
        self.image = pulumi.Output.from_input(image)
        self.register_outputs(
            {
                "serviceName": self.service_name,
                "serviceUrl": self.service_url,
                "deploymentName": self.deployment_name,
                "image": self.image,
            }
        )
