"""MonitoringStack: Prometheus, Alertmanager, Grafana (kube-prometheus-stack), Loki and Alloy — a platform
piece, installed once per stack. The apps' rules and dashboards are per-app pieces (AppObservability).

Charts are helm.v4.Charts (components/objects/charts.py says why). v4 runs no Helm hooks, so whatever a
chart does in a hook is replaced or switched off in its values (components/objects/monitoring.py):
  - kube-prometheus-stack's admission webhook gets its TLS certificate from hook Jobs: the webhooks
    are disabled (promtool checks every rule in CI instead);
  - Grafana's and Loki's `helm test` pods are hooks: disabled;
  - CRDs: Helm installs `crds/` before anything else, a v4 Chart does not order them. The operator's
    CRDs come from their own chart (prometheus-operator-crds, same operator version), registered
    first; kube-prometheus-stack skips its copy (`skip_crds`, `crds.enabled: false`) and depends on
    it, and so does every ServiceMonitor, PodMonitor and PrometheusRule (`depends_on=[monitoring]`).
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.contract import KUBE_PROMETHEUS_STACK_RELEASE
from components.objects import alertmanager, chart_hardening, monitoring, platform_network
from components.objects.charts import (
    ALLOY,
    ALLOY_RELEASE,
    KUBE_PROMETHEUS_STACK,
    LOKI,
    LOKI_RELEASE,
    OPERATOR_CRDS,
    OPERATOR_CRDS_RELEASE,
)
from components.resources.register import chart, child_opts, register
from components.settings import Settings


class MonitoringStack(pulumi.ComponentResource):
    """The observability stack (type greenlight:index:MonitoringStack)."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("greenlight:index:MonitoringStack", name, None, opts)
        ns_name = settings.monitoring.namespace
        namespace = register(f"{name}-namespace", monitoring.build_namespace(settings), child_opts(self))
        in_ns = child_opts(self, [namespace])
        for policy in platform_network.build_monitoring_policies(settings, monitoring.labels(settings, "network")):
            register(f"{name}-netpol-{policy['metadata']['name']}", policy, in_ns)
        secrets = [
            register(f"{name}-grafana-admin", self._grafana_admin(settings), in_ns),
            register(f"{name}-alertmanager-receivers", self._alertmanager_receivers(settings), in_ns),
        ]
        if settings.monitoring.loki_storage == "s3" and settings.loki_secret_access_key is not None:
            key = settings.loki_secret_access_key.output()
            secrets.append(register(f"{name}-loki-storage", monitoring.build_loki_storage_secret(settings, key), in_ns))

        crds = chart(f"{name}-operator-crds", OPERATOR_CRDS, OPERATOR_CRDS_RELEASE, ns_name, {}, in_ns, skip_crds=False)
        self.crds = crds  # what other platform pieces' monitors (the CNPG operator's PodMonitor) wait for
        reader = chart_hardening.build_grafana_dashboard_reader(monitoring.labels(settings, "grafana"))
        dashboard_reader = register(f"{name}-grafana-dashboard-reader", reader, child_opts(self))
        after_secrets = child_opts(self, [namespace, crds, dashboard_reader, *secrets])
        chart(
            f"{name}-kube-prometheus-stack",
            KUBE_PROMETHEUS_STACK,
            KUBE_PROMETHEUS_STACK_RELEASE,
            ns_name,
            monitoring.kube_prometheus_stack_values(settings),
            after_secrets,
            skip_crds=True,
        )
        loki_values = monitoring.loki_values(settings)
        # Loki's volumes hold logs not yet in the bucket: protected in prod, like the database's.
        keep = child_opts(
            self, [namespace, crds, *secrets], protect=settings.is_prod, retain_on_delete=settings.is_prod
        )
        loki = chart(f"{name}-loki", LOKI, LOKI_RELEASE, ns_name, loki_values, keep, skip_crds=False)
        alloy_values = monitoring.alloy_values(settings)
        after_loki = child_opts(self, [namespace, loki])
        chart(f"{name}-alloy", ALLOY, ALLOY_RELEASE, ns_name, alloy_values, after_loki, skip_crds=False)

        charts = {c.chart: c.version for c in (OPERATOR_CRDS, KUBE_PROMETHEUS_STACK, LOKI, ALLOY)}
        self.register_outputs({"namespace": ns_name, "charts": charts})

    @staticmethod
    def _grafana_admin(settings: Settings) -> dict[str, Any]:
        password = settings.grafana_admin_password
        assert password is not None  # components/settings/rules.py requires it when monitoring is enabled
        return monitoring.build_grafana_admin_secret(settings, password.output())

    @staticmethod
    def _alertmanager_receivers(settings: Settings) -> dict[str, Any]:
        # Each credential stays a Pulumi secret Output: the Secret's values are secret in state and previews.
        outputs = {key: secret.output() for key, secret in alertmanager.credentials(settings).items()}
        return monitoring.build_alertmanager_receivers_secret(settings, outputs)
