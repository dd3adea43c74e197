"""MonitoringStack: Prometheus, Alertmanager, Grafana (kube-prometheus-stack), Loki and Alloy.

Why helm.v4.Chart and not helm.v3.Release: a v4 Chart renders the chart in the provider and registers
every object as its own Pulumi resource, so the policy pack sees (and can refuse) each Deployment,
StatefulSet and Secret, and `pulumi preview` diffs per object. A v3 Release is one opaque resource
holding a Helm release. The price: v4 runs no Helm hooks. So everything a chart does in a hook is
replaced or switched off here:
  - kube-prometheus-stack's admission webhook gets its TLS certificate from hook Jobs: the webhooks
    are disabled (promtool checks every rule in CI instead, tests/test_alerts_promtool.py);
  - Grafana's and Loki's `helm test` pods are hooks: disabled;
  - CRDs: Helm installs `crds/` before anything else, a v4 Chart does not order them. The operator's
    CRDs come from their own chart (prometheus-operator-crds, same operator version), registered
    first; kube-prometheus-stack skips its copy (`skip_crds`, `crds.enabled: false`) and depends on
    it, and so does every PrometheusRule (AlertRules gets `depends_on=[monitoring]`).

Secrets never enter Helm values (which are plain inputs of the Chart resource): the Grafana admin
password, the Alertmanager config (receiver keys and URLs) and Loki's object-storage key are
Kubernetes Secrets built from Pulumi secrets, and the charts are pointed at them by name.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml

from components import alertmanager, alloy, dashboards
from components.conventions import (
    ALERTMANAGER_DATASOURCE_UID,
    DASHBOARD_LABEL,
    LOKI_DATASOURCE_UID,
    PROMETHEUS_DATASOURCE_UID,
)
from components.labels import standard_labels
from components.settings import Settings


@dataclass(frozen=True)
class ChartSource:
    chart: str
    version: str
    repository: str


# Pinned versions (chart release notes, prometheus-community/helm-charts and grafana-community/helm-charts):
# kube-prometheus-stack 91.0.0 bumps prometheus-operator to v0.94.0; prometheus-operator-crds 32.0.0
# ships the CRDs of that same operator version.
OPERATOR_CRDS = ChartSource("prometheus-operator-crds", "32.0.0", "https://prometheus-community.github.io/helm-charts")
KUBE_PROMETHEUS_STACK = ChartSource(
    "kube-prometheus-stack", "91.0.0", "https://prometheus-community.github.io/helm-charts"
)
# Loki's OSS chart moved to grafana-community on 2026-03-16 (grafana/loki#20705); 18.x supports
# deploymentMode Monolithic (Loki 3.7).
LOKI = ChartSource("loki", "18.13.1", "https://grafana-community.github.io/helm-charts")
# Alloy replaces Promtail (end of life March 2026); its chart stays in grafana/helm-charts.
ALLOY = ChartSource("alloy", "1.10.1", "https://grafana.github.io/helm-charts")

RELEASE = "kube-prometheus-stack"  # also the `release` label PrometheusRules carry (conventions)
LOKI_RELEASE = "loki"
ALLOY_RELEASE = "alloy"

GRAFANA_ADMIN_SECRET = "grafana-admin"  # noqa: S105 (a name, not a value)
GRAFANA_ADMIN_USER = "admin"
ALERTMANAGER_CONFIG_SECRET = "alertmanager-greenlight"  # noqa: S105 (a name, not a value)
ALERTMANAGER_CONFIG_KEY = "alertmanager.yaml"  # the key the operator reads from configSecret
LOKI_STORAGE_SECRET = "loki-object-storage"  # noqa: S105 (a name, not a value)
LOKI_SECRET_KEY_ENV = "LOKI_S3_SECRET_ACCESS_KEY"  # noqa: S105 (a name, not a value)
LOKI_SCHEMA_FROM = "2024-04-01"  # TSDB + schema v13: the schema Loki 3 recommends

# Per-environment sizing: (cpu request, memory request, memory limit) and replicas. CPU is not
# limited (throttling a TSDB hurts more than it saves); memory is, so a leak cannot take the node.
SIZING: dict[str, dict[str, Any]] = {
    "dev": {
        "prometheus": ("200m", "512Mi", "1Gi"),
        "alertmanager": ("50m", "64Mi", "128Mi"),
        "grafana": ("50m", "128Mi", "256Mi"),
        "loki": ("100m", "256Mi", "512Mi"),
        "alloy": ("50m", "64Mi", "256Mi"),
        "prometheus_replicas": 1,
        "alertmanager_replicas": 1,
    },
    "staging": {
        "prometheus": ("500m", "1Gi", "2Gi"),
        "alertmanager": ("50m", "64Mi", "128Mi"),
        "grafana": ("100m", "128Mi", "256Mi"),
        "loki": ("250m", "512Mi", "1Gi"),
        "alloy": ("50m", "128Mi", "256Mi"),
        "prometheus_replicas": 1,
        "alertmanager_replicas": 2,
    },
    "prod": {
        "prometheus": ("1", "4Gi", "8Gi"),
        "alertmanager": ("100m", "128Mi", "256Mi"),
        "grafana": ("200m", "256Mi", "512Mi"),
        "loki": ("500m", "1Gi", "2Gi"),
        "alloy": ("100m", "128Mi", "512Mi"),
        "prometheus_replicas": 2,
        "alertmanager_replicas": 3,
    },
}


def resources(settings: Settings, component: str) -> dict[str, Any]:
    cpu, memory, memory_limit = SIZING[settings.environment][component]
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory_limit}}


def _volume_claim(settings: Settings, size: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": size}}}
    if settings.monitoring.storage_class:
        spec["storageClassName"] = settings.monitoring.storage_class
    return {"volumeClaimTemplate": {"spec": spec}}


def loki_url(settings: Settings) -> str:
    return f"http://{LOKI_RELEASE}.{settings.monitoring.namespace}.svc.cluster.local:{alloy.LOKI_PORT}"


def loki_datasource(settings: Settings) -> dict[str, Any]:
    # Grafana expands $VARS in provisioning files; "$$" keeps the literal "$" of ${__value.raw}.
    request_query = '{namespace=~".+"} | request_id=`$${__value.raw}`'
    return {
        "name": "Loki",
        "type": "loki",
        "uid": LOKI_DATASOURCE_UID,
        "access": "proxy",
        "url": loki_url(settings),
        "jsonData": {
            "derivedFields": [
                {
                    "name": "request_id",
                    "matcherType": "label",  # request_id is structured metadata, not in the line text
                    "matcherRegex": "request_id",
                    "datasourceUid": LOKI_DATASOURCE_UID,
                    "url": request_query,
                    "urlDisplayLabel": "All logs of this request",
                }
            ]
        },
    }


def kube_prometheus_stack_values(settings: Settings) -> dict[str, Any]:
    mon = settings.monitoring
    sizing = SIZING[settings.environment]
    return {
        "crds": {"enabled": False},  # installed by the prometheus-operator-crds chart, first
        # The stack's own Watchdog lives in `general`; greenlight ships its own (with a runbook).
        "defaultRules": {"create": True, "rules": {"general": False}},
        "prometheusOperator": {
            # Webhook certificates come from Helm hook Jobs, which a v4 Chart does not run.
            "admissionWebhooks": {"enabled": False, "patch": {"enabled": False}},
            "tls": {"enabled": False},
        },
        "prometheus": {
            "prometheusSpec": {
                "replicas": sizing["prometheus_replicas"],
                "retention": mon.retention,
                "storageSpec": _volume_claim(settings, mon.storage_size),
                "resources": resources(settings, "prometheus"),
                # Select every ServiceMonitor/PodMonitor/PrometheusRule in every namespace, not only
                # the ones labelled with this release.
                "serviceMonitorSelectorNilUsesHelmValues": False,
                "podMonitorSelectorNilUsesHelmValues": False,
                "ruleSelectorNilUsesHelmValues": False,
                "probeSelectorNilUsesHelmValues": False,
                "serviceMonitorNamespaceSelector": {},
                "podMonitorNamespaceSelector": {},
                "ruleNamespaceSelector": {},
            }
        },
        "alertmanager": {
            "alertmanagerSpec": {
                "replicas": sizing["alertmanager_replicas"],
                # The config is a Secret built from Pulumi secrets (components/alertmanager.py).
                "useExistingSecret": True,
                "configSecret": ALERTMANAGER_CONFIG_SECRET,
                "resources": resources(settings, "alertmanager"),
            }
        },
        "grafana": {
            "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"},
            "testFramework": {"enabled": False},  # a `helm test` hook pod
            "resources": resources(settings, "grafana"),
            "sidecar": {
                "dashboards": {
                    "enabled": True,
                    "label": next(iter(DASHBOARD_LABEL)),
                    "labelValue": next(iter(DASHBOARD_LABEL.values())),
                    "searchNamespace": "ALL",
                },
                "datasources": {
                    "enabled": True,
                    "defaultDatasourceEnabled": True,
                    "uid": PROMETHEUS_DATASOURCE_UID,
                    "alertmanager": {"enabled": True, "uid": ALERTMANAGER_DATASOURCE_UID},
                },
            },
            "additionalDataSources": [loki_datasource(settings)],
        },
        "kubeStateMetrics": {"enabled": True},
        "nodeExporter": {"enabled": True},
    }


def loki_values(settings: Settings) -> dict[str, Any]:
    mon = settings.monitoring
    object_store = "s3" if mon.loki_storage == "s3" else "filesystem"
    storage: dict[str, Any] = {"type": object_store}
    single_binary: dict[str, Any] = {
        "replicas": 1,
        "resources": resources(settings, "loki"),
        "persistence": {
            "enabled": True,
            "size": mon.storage_size,
            **({"storageClass": mon.storage_class} if mon.storage_class else {}),
        },
    }
    if object_store == "s3":
        storage["bucketNames"] = {"chunks": mon.loki_bucket, "ruler": mon.loki_bucket, "admin": mon.loki_bucket}
        storage["s3"] = {
            "region": mon.loki_region,
            "accessKeyId": mon.loki_access_key_id,
            # Expanded by Loki at start (-config.expand-env) from a Secret: never in the values.
            "secretAccessKey": f"${{{LOKI_SECRET_KEY_ENV}}}",
            **({"endpoint": mon.loki_endpoint} if mon.loki_endpoint else {}),
        }
        single_binary["extraArgs"] = ["-config.expand-env=true"]
        single_binary["extraEnv"] = [
            {
                "name": LOKI_SECRET_KEY_ENV,
                "valueFrom": {"secretKeyRef": {"name": LOKI_STORAGE_SECRET, "key": "secret-access-key"}},
            }
        ]
    return {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,  # single tenant
            "commonConfig": {"replication_factor": 1},
            "storage": storage,
            "schemaConfig": {
                "configs": [
                    {
                        "from": LOKI_SCHEMA_FROM,
                        "store": "tsdb",
                        "object_store": object_store,
                        "schema": "v13",
                        "index": {"prefix": "loki_index_", "period": "24h"},
                    }
                ]
            },
            "limits_config": {"retention_period": mon.loki_retention, "allow_structured_metadata": True},
            "compactor": {"retention_enabled": True, "delete_request_store": object_store},
        },
        "singleBinary": single_binary,
        "read": {"replicas": 0},
        "write": {"replicas": 0},
        "backend": {"replicas": 0},
        "gateway": {"enabled": False},  # Grafana and Alloy talk to Loki's own Service
        "chunksCache": {"enabled": False},
        "resultsCache": {"enabled": False},
        "lokiCanary": {"enabled": False},
        "test": {"enabled": False},  # a `helm test` hook
        "minio": {"enabled": False},
    }


def alloy_values(settings: Settings) -> dict[str, Any]:
    return {
        "controller": {"type": "daemonset"},
        "alloy": {
            "configMap": {
                "create": True,
                "content": alloy.alloy_config(alloy.loki_push_url(settings.monitoring.namespace)),
            },
            "extraEnv": [{"name": alloy.NODE_NAME_ENV, "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
            "resources": resources(settings, "alloy"),
        },
    }


def dashboard_configmaps(settings: Settings) -> dict[str, dict[str, Any]]:
    """ConfigMap (metadata + data) per dashboard, labelled for the Grafana sidecar."""
    result = {}
    for filename, model in dashboards.dashboards(settings.app.name, settings.app_namespace).items():
        name = filename.removesuffix(".json")
        result[name] = {
            "metadata": {
                "name": f"dashboard-{name}",
                "namespace": settings.monitoring.namespace,
                "labels": {**standard_labels(settings, settings.app.name, "dashboard"), **DASHBOARD_LABEL},
            },
            "data": {filename: json.dumps(model, indent=2, sort_keys=True)},
        }
    return result


class MonitoringStack(pulumi.ComponentResource):
    """The observability stack (type greenlight:index:MonitoringStack)."""

    def __init__(self, name: str, settings: Settings, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("greenlight:index:MonitoringStack", name, None, opts)
        ns_name = settings.monitoring.namespace
        child = pulumi.ResourceOptions(parent=self)

        def labels(component: str) -> dict[str, str]:
            return standard_labels(settings, "monitoring", component)

        namespace = k8s.core.v1.Namespace(
            f"{name}-namespace", metadata={"name": ns_name, "labels": labels("namespace")}, opts=child
        )
        in_ns = pulumi.ResourceOptions(parent=self, depends_on=[namespace])

        secrets = [
            self._grafana_admin(name, settings, labels, in_ns),
            self._alertmanager_config(name, settings, labels, in_ns),
        ]
        if settings.monitoring.loki_storage == "s3" and settings.loki_secret_access_key is not None:
            secrets.append(
                k8s.core.v1.Secret(
                    f"{name}-loki-storage",
                    metadata={"name": LOKI_STORAGE_SECRET, "namespace": ns_name, "labels": labels("logs")},
                    string_data={"secret-access-key": settings.loki_secret_access_key.output()},
                    opts=in_ns,
                )
            )

        crds = self._chart(f"{name}-operator-crds", OPERATOR_CRDS, "prometheus-operator-crds", ns_name, {}, in_ns)
        self.kube_prometheus_stack = self._chart(
            f"{name}-kube-prometheus-stack",
            KUBE_PROMETHEUS_STACK,
            RELEASE,
            ns_name,
            kube_prometheus_stack_values(settings),
            pulumi.ResourceOptions(parent=self, depends_on=[namespace, crds, *secrets]),
            skip_crds=True,
        )
        loki = self._chart(
            f"{name}-loki",
            LOKI,
            LOKI_RELEASE,
            ns_name,
            loki_values(settings),
            pulumi.ResourceOptions(parent=self, depends_on=[namespace, crds, *secrets]),
        )
        self._chart(
            f"{name}-alloy",
            ALLOY,
            ALLOY_RELEASE,
            ns_name,
            alloy_values(settings),
            pulumi.ResourceOptions(parent=self, depends_on=[namespace, loki]),
        )
        for dashboard, cm in dashboard_configmaps(settings).items():
            k8s.core.v1.ConfigMap(f"{name}-dashboard-{dashboard}", metadata=cm["metadata"], data=cm["data"], opts=in_ns)

        self.namespace = ns_name
        self.register_outputs(
            {
                "namespace": ns_name,
                "charts": {c.chart: c.version for c in (OPERATOR_CRDS, KUBE_PROMETHEUS_STACK, LOKI, ALLOY)},
            }
        )

    def _chart(
        self,
        resource_name: str,
        source: ChartSource,
        release: str,
        namespace: str,
        values: dict[str, Any],
        opts: pulumi.ResourceOptions,
        skip_crds: bool = False,
    ) -> k8s.helm.v4.Chart:
        return k8s.helm.v4.Chart(
            resource_name,
            name=release,
            chart=source.chart,
            version=source.version,
            namespace=namespace,
            repository_opts={"repo": source.repository},
            values=values,
            skip_crds=skip_crds,
            opts=opts,
        )

    def _grafana_admin(
        self, name: str, settings: Settings, labels: Any, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Secret:
        if settings.grafana_admin_password is None:
            raise ValueError("greenlight:grafanaAdminPassword is required when monitoring is enabled")
        return k8s.core.v1.Secret(
            f"{name}-grafana-admin",
            metadata={
                "name": GRAFANA_ADMIN_SECRET,
                "namespace": settings.monitoring.namespace,
                "labels": labels("grafana"),
            },
            string_data={"admin-user": GRAFANA_ADMIN_USER, "admin-password": settings.grafana_admin_password.output()},
            opts=opts,
        )

    def _alertmanager_config(
        self, name: str, settings: Settings, labels: Any, opts: pulumi.ResourceOptions
    ) -> k8s.core.v1.Secret:
        needed = alertmanager.secret_values_needed(settings)
        values: pulumi.Output[Any] = (
            pulumi.Output.all(**{key: secret.output() for key, secret in needed.items()})
            if needed
            else pulumi.Output.from_input({})
        )
        config_yaml = values.apply(lambda v: yaml.safe_dump(alertmanager.build_config(settings, v), sort_keys=False))
        return k8s.core.v1.Secret(
            f"{name}-alertmanager-config",
            metadata={
                "name": ALERTMANAGER_CONFIG_SECRET,
                "namespace": settings.monitoring.namespace,
                "labels": labels("alertmanager"),
            },
            # Output.secret: stays secret even when no receiver secret is configured (dev).
            string_data={ALERTMANAGER_CONFIG_KEY: pulumi.Output.secret(config_yaml)},  # type: ignore[arg-type]
            opts=opts,
        )
