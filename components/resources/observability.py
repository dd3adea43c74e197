"""AppObservability: one app's alert rules (a PrometheusRule) and dashboards (ConfigMaps for Grafana's
sidecar) — a per-app piece; the monitoring stack that loads them is installed once (MonitoringStack).
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.objects import observability
from components.resources.register import child_opts, register
from components.rules import mixin
from components.settings import AppSpec

# Before the platform/app split, the rules lived in an AlertRules component and the dashboards were
# children of MonitoringStack "monitoring". The aliases keep the live objects on the first `up` after.
LEGACY_TYPE = "greenlight:index:AlertRules"
LEGACY_DASHBOARD_PARENT = ("monitoring", "greenlight:index:MonitoringStack")


class AppObservability(pulumi.ComponentResource):
    """The app's PrometheusRule and dashboards (type greenlight:index:AppObservability)."""

    def __init__(
        self,
        name: str,
        spec: AppSpec,
        monitoring: Sequence[pulumi.Resource],
        namespace: pulumi.Resource | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        """`monitoring`: what installs the PrometheusRule CRD and runs Grafana (the MonitoringStack)."""
        legacy = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=LEGACY_TYPE)])
        super().__init__("greenlight:index:AppObservability", name, None, pulumi.ResourceOptions.merge(legacy, opts))
        # A CustomResource needs the PrometheusRule CRD first: it waits for the monitoring stack.
        rule = observability.build_prometheus_rule(spec)
        register(f"{name}-prometheusrule", rule, child_opts(self, [namespace, *monitoring]))
        old_parent = pulumi.create_urn(*LEGACY_DASHBOARD_PARENT)
        for dashboard, config_map in observability.build_dashboard_config_maps(spec).items():
            old = pulumi.Alias(name=f"monitoring-dashboard-{dashboard}", parent=old_parent)
            register(f"{name}-dashboard-{dashboard}", config_map, child_opts(self, monitoring, aliases=[old]))
        self.register_outputs({"prometheusRule": rule["metadata"]["name"], "alerts": mixin.alert_names(spec)})
