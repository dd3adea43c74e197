"""PostgresOperator: the CloudNativePG operator, installed once per stack (a platform piece).

Its chart brings the CRDs and the admission webhook every app's Database needs, so each Database
depends on it. Deleting the chart deletes the Cluster CRD and with it every Cluster: in prod the
namespace and the chart are protected and retained on delete.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.objects import database, platform_network
from components.objects.charts import CLOUDNATIVE_PG, CLOUDNATIVE_PG_RELEASE
from components.resources.register import chart, child_opts, register
from components.settings import Settings

# Before the platform/app split the operator was a child of the app's Database component "database".
# The aliases keep the live objects (the CRDs, and through them every Cluster) on the first `pulumi up`
# after the move: the engine sees the same resources under their new parent, not a delete and a create.
LEGACY_PARENT_NAME = "database"
LEGACY_PARENT_TYPE = "greenlight:index:Database"


class PostgresOperator(pulumi.ComponentResource):
    """The operator's namespace and chart (type greenlight:index:PostgresOperator)."""

    chart: pulumi.Resource

    def __init__(
        self,
        name: str,
        settings: Settings,
        opts: pulumi.ResourceOptions | None = None,
        monitoring_crds: Sequence[pulumi.Resource] = (),
    ) -> None:
        """`monitoring_crds`: what installs the PodMonitor CRD the operator's own PodMonitor needs."""
        super().__init__("greenlight:index:PostgresOperator", name, None, opts)
        keep = settings.is_prod
        legacy = pulumi.Alias(parent=pulumi.create_urn(LEGACY_PARENT_NAME, LEGACY_PARENT_TYPE))
        namespace = register(
            f"{name}-namespace",
            database.build_operator_namespace(settings),
            child_opts(self, protect=keep, retain_on_delete=keep, aliases=[legacy]),
        )
        # helm.v4.Chart renders the chart (CRDs included, crds.create) and applies each object as a Pulumi
        # resource; it runs no Helm hooks (this chart's install needs none). Pulumi awaits the operator
        # Deployment, whose admission webhook must answer before any Cluster can be created, so every CNPG
        # object depends_on this component's chart: CRDs and webhook first, then the CRs.
        # The chart keeps its pre-split name: its objects' names derive from it.
        self.chart = chart(
            name,
            CLOUDNATIVE_PG,
            CLOUDNATIVE_PG_RELEASE,
            database.CNPG_OPERATOR_NAMESPACE,
            database.operator_chart_values(settings),
            child_opts(self, [namespace, *monitoring_crds], protect=keep, retain_on_delete=keep, aliases=[legacy]),
        )
        in_ns = child_opts(self, [namespace])
        labels = database.operator_labels(settings)
        ns = database.CNPG_OPERATOR_NAMESPACE
        for policy in platform_network.build_operator_policies(ns, settings.monitoring.namespace, labels):
            register(f"{name}-netpol-{policy['metadata']['name']}", policy, in_ns)
        if settings.is_prod:  # two replicas there (chart_hardening.cloudnative_pg)
            register(f"{name}-pdb", platform_network.build_operator_disruption_budget(ns, labels), in_ns)
        self.register_outputs({"namespace": database.CNPG_OPERATOR_NAMESPACE, "chart": CLOUDNATIVE_PG.version})
