"""Pure builders of the monitoring stack: the charts' values, its namespace and the Secrets they read.

components/resources/monitoring.py (MonitoringStack) registers them once per stack. Secrets never
enter Helm values (plain inputs of the Chart resource, visible in state, diffs and to the policy pack):
the Grafana admin password, the Alertmanager receivers' credentials and Loki's object-storage key are
Kubernetes Secrets built from Pulumi secrets, and the charts are pointed at them by name. The
Alertmanager config itself holds no secret and is a plain value (components/objects/alertmanager.py).
"""

from __future__ import annotations

from typing import Any

from components.contract import (
    ALERTMANAGER_DATASOURCE_UID,
    DASHBOARD_LABEL,
    KUBE_PROMETHEUS_STACK_RELEASE,
    LOKI_DATASOURCE_UID,
    PROMETHEUS_DATASOURCE_UID,
)
from components.objects import alertmanager, alloy, chart_hardening
from components.objects.charts import LOKI_RELEASE
from components.objects.meta import standard_labels
from components.settings import Settings
from components.settings.grammar import SELF_MANAGED, memory_bytes

GRAFANA_ADMIN_SECRET = "grafana-admin"  # noqa: S105 (a name, not a value)
GRAFANA_ADMIN_USER = "admin"
LOKI_STORAGE_SECRET = "loki-object-storage"  # noqa: S105 (a name, not a value)
LOKI_SECRET_KEY_ENV = "LOKI_S3_SECRET_ACCESS_KEY"  # noqa: S105 (a name, not a value)
LOKI_SCHEMA_FROM = "2024-04-01"  # TSDB + schema v13: the schema Loki 3 recommends
# Services kube-prometheus-stack names after its release (templates/prometheus/service.yaml, alertmanager/).
PROMETHEUS_PORT = 9090
ALERTMANAGER_PORT = 9093
# Loki in S3 mode runs as a ring of this many replicas in prod, each stream written to all of them (quorum 2).
LOKI_PROD_REPLICAS = 3
BACKUP_ANNOTATION = "greenlight.dev/backup"  # where a StatefulSet's data is backed up (policy backups-scheduled)

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


# Prometheus storage docs ("Right-Sizing Retention Size"): set the retention size to at most 80-85% of
# the volume, so the oldest blocks go before the disk fills (the WAL and head chunks count too).
RETENTION_SIZE_SHARE = 0.8
_MIB = 2**20

# Control-plane components kube-prometheus-stack scrapes (values.yaml: <component>.enabled) and their
# rule groups (defaultRules.rules.<group>; the rule templates also require <component>.enabled). A
# managed control plane (EKS, GKE, AKS) exposes none of these targets, so their absent()-based
# critical alerts (KubeSchedulerDown, KubeControllerManagerDown, KubeProxyDown, etcdMembersDown...)
# would page from day one. kube-prometheus-stack 88.5.3 values.yaml (the newest this project could
# read; the pinned 91.0.0 keeps the keys).
CONTROL_PLANE_RULE_GROUPS = {
    "kubeControllerManager": ("kubeControllerManager",),
    "kubeScheduler": ("kubeSchedulerAlerting", "kubeSchedulerRecording"),
    "kubeEtcd": ("etcd",),
    "kubeProxy": ("kubeProxy",),
}
# The chart's `general` group has TargetDown, Watchdog and InfoInhibitor; greenlight ships its own
# Watchdog (with a runbook, routed to the dead-man's switch), so only the chart's copy is disabled.
DISABLED_CHART_ALERTS = ("Watchdog",)


def retention_size(storage_size: str) -> str:
    """RETENTION_SIZE_SHARE of the volume as a Prometheus size (base 2, as Prometheus reads "GB"): 10Gi -> 8GiB."""
    mebibytes = int(memory_bytes(storage_size) * RETENTION_SIZE_SHARE) // _MIB
    return f"{mebibytes // 1024}GiB" if mebibytes % 1024 == 0 else f"{mebibytes}MiB"


def default_rules(settings: Settings) -> dict[str, Any]:
    self_managed = settings.monitoring.control_plane == SELF_MANAGED
    groups = {group: self_managed for groups in CONTROL_PLANE_RULE_GROUPS.values() for group in groups}
    return {"create": True, "rules": groups, "disabled": {name: True for name in DISABLED_CHART_ALERTS}}


def control_plane_targets(settings: Settings) -> dict[str, Any]:
    self_managed = settings.monitoring.control_plane == SELF_MANAGED
    return {component: {"enabled": self_managed} for component in CONTROL_PLANE_RULE_GROUPS}


def resources(settings: Settings, component: str) -> dict[str, Any]:
    cpu, memory, memory_limit = SIZING[settings.environment][component]
    return {"requests": {"cpu": cpu, "memory": memory}, "limits": {"memory": memory_limit}}


def chart_resources(settings: Settings, component: str) -> dict[str, Any]:
    """A chart-installed component's resources: CPU limited too (the pack's container-resources)."""
    return chart_hardening.cpu_limited(resources(settings, component))


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
    values = {
        "crds": {"enabled": False},  # installed by the prometheus-operator-crds chart, first
        "defaultRules": default_rules(settings),
        **control_plane_targets(settings),
        "prometheusOperator": {
            # Webhook certificates come from Helm hook Jobs, which a v4 Chart does not run.
            "admissionWebhooks": {"enabled": False, "patch": {"enabled": False}},
            "tls": {"enabled": False},
        },
        "prometheus": {
            "prometheusSpec": {
                "replicas": sizing["prometheus_replicas"],
                "retention": mon.retention,
                "retentionSize": retention_size(mon.storage_size),
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
            # Plain routing, receivers and inhibitions; credentials are files from RECEIVERS_SECRET.
            "config": alertmanager.build_config(settings),
            "alertmanagerSpec": {
                "replicas": sizing["alertmanager_replicas"],
                "secrets": [alertmanager.RECEIVERS_SECRET],
                "resources": resources(settings, "alertmanager"),
            },
        },
        "grafana": grafana_values(settings),
        "kubeStateMetrics": {"enabled": True},
        "nodeExporter": {"enabled": True},
    }
    return chart_hardening.merge(values, chart_hardening.kube_prometheus_stack(settings))


def _service_url(settings: Settings, component: str, port: int) -> str:
    return (
        f"http://{KUBE_PROMETHEUS_STACK_RELEASE}-{component}.{settings.monitoring.namespace}.svc.cluster.local:{port}"
    )


def datasources(settings: Settings) -> list[dict[str, Any]]:
    """Prometheus, Alertmanager and Loki, provisioned from the grafana chart's own ConfigMap."""
    prometheus = {
        "name": "Prometheus",
        "type": "prometheus",
        "uid": PROMETHEUS_DATASOURCE_UID,
        "access": "proxy",
        "url": _service_url(settings, "prometheus", PROMETHEUS_PORT),
        "isDefault": True,
    }
    alertmanager = {
        "name": "Alertmanager",
        "type": "alertmanager",
        "uid": ALERTMANAGER_DATASOURCE_UID,
        "access": "proxy",
        "url": _service_url(settings, "alertmanager", ALERTMANAGER_PORT),
        "jsonData": {"implementation": "prometheus", "handleGrafanaManagedAlerts": False},
    }
    return [prometheus, alertmanager, loki_datasource(settings)]


def grafana_values(settings: Settings) -> dict[str, Any]:
    """Grafana: admin from an existing Secret, data sources from its ConfigMap, dashboards through a sidecar."""
    return {
        "admin": {"existingSecret": GRAFANA_ADMIN_SECRET, "userKey": "admin-user", "passwordKey": "admin-password"},
        "testFramework": {"enabled": False},  # a `helm test` hook pod
        "resources": chart_resources(settings, "grafana"),
        "sidecar": {
            "dashboards": {
                "enabled": True,
                "label": next(iter(DASHBOARD_LABEL)),
                "labelValue": next(iter(DASHBOARD_LABEL.values())),
                "searchNamespace": "ALL",
            },
        },
        "datasources": {"datasources.yaml": {"apiVersion": 1, "datasources": datasources(settings)}},
    }


def _on_bucket(settings: Settings, storage: dict[str, Any], single_binary: dict[str, Any]) -> None:
    """Loki on S3: the bucket, its key from a Secret, and the ring's disruption budget."""
    mon = settings.monitoring
    storage["bucketNames"] = {"chunks": mon.loki_bucket, "ruler": mon.loki_bucket}
    storage["s3"] = {
        "region": mon.loki_region,
        "accessKeyId": mon.loki_access_key_id,
        # Expanded by Loki at start (the chart passes -config.expand-env) from a Secret: never in the values.
        "secretAccessKey": f"${{{LOKI_SECRET_KEY_ENV}}}",
        **({"endpoint": mon.loki_endpoint} if mon.loki_endpoint else {}),
    }
    single_binary["podDisruptionBudget"] = chart_hardening.DISRUPTION_BUDGET if single_binary["replicas"] > 1 else {}
    # Chunks and index live in the bucket (versioned there); the volume holds the WAL, replayed on start.
    single_binary["annotations"] = {BACKUP_ANNOTATION: f"s3://{mon.loki_bucket} (chunks and index)"}
    single_binary["extraEnv"] = [
        {
            "name": LOKI_SECRET_KEY_ENV,
            "valueFrom": {"secretKeyRef": {"name": LOKI_STORAGE_SECRET, "key": "secret-access-key"}},
        }
    ]


def loki_values(settings: Settings) -> dict[str, Any]:
    mon = settings.monitoring
    object_store = "s3" if mon.loki_storage == "s3" else "filesystem"
    storage: dict[str, Any] = {"type": object_store}
    replicas = LOKI_PROD_REPLICAS if settings.is_prod and object_store == "s3" else 1
    single_binary: dict[str, Any] = {
        "replicas": replicas,
        "resources": chart_resources(settings, "loki"),
        "persistence": {
            "enabled": True,
            "size": mon.storage_size,
            **({"storageClass": mon.storage_class} if mon.storage_class else {}),
        },
    }
    if object_store == "s3":
        _on_bucket(settings, storage, single_binary)
    values = {
        "deploymentMode": "Monolithic",
        "loki": {
            "auth_enabled": False,  # single tenant
            "commonConfig": {"replication_factor": replicas},
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
    return chart_hardening.merge(values, chart_hardening.loki(settings))


def alloy_values(settings: Settings) -> dict[str, Any]:
    values = {
        "controller": {"type": "daemonset"},
        "alloy": {
            "configMap": {
                "create": True,
                "content": alloy.alloy_config(alloy.loki_push_url(settings.monitoring.namespace)),
            },
            "extraEnv": [{"name": alloy.NODE_NAME_ENV, "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
            "resources": chart_resources(settings, "alloy"),
        },
    }
    return chart_hardening.merge(values, chart_hardening.alloy(settings))


def labels(settings: Settings, component: str) -> dict[str, str]:
    """Labels of the stack's own monitoring objects (name `monitoring`)."""
    return standard_labels(settings, "monitoring", component, settings.app.version)


def build_namespace(settings: Settings) -> dict[str, Any]:
    name = settings.monitoring.namespace
    return {
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": name, "labels": labels(settings, "namespace")},
    }


def _secret(settings: Settings, name: str, component: str, string_data: dict[str, Any]) -> dict[str, Any]:
    metadata = {"name": name, "namespace": settings.monitoring.namespace, "labels": labels(settings, component)}
    return {"apiVersion": "v1", "kind": "Secret", "metadata": metadata, "stringData": string_data}


def build_grafana_admin_secret(settings: Settings, password: Any) -> dict[str, Any]:
    data = {"admin-user": GRAFANA_ADMIN_USER, "admin-password": password}
    return _secret(settings, GRAFANA_ADMIN_SECRET, "grafana", data)


def build_alertmanager_receivers_secret(settings: Settings, credentials: dict[str, Any]) -> dict[str, Any]:
    """The receivers' credentials, one key per file the config names (components/objects/alertmanager.py).

    Always created, empty when no receiver is configured: the Alertmanager pods mount it by name.
    """
    return _secret(settings, alertmanager.RECEIVERS_SECRET, "alertmanager", credentials)


def build_loki_storage_secret(settings: Settings, secret_access_key: Any) -> dict[str, Any]:
    return _secret(settings, LOKI_STORAGE_SECRET, "logs", {"secret-access-key": secret_access_key})
