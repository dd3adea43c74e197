"""One compliant prod stack of synthetic resources; each test case changes one thing in a copy.

`compliant()` returns Specs by name; `resources(specs)` turns them into the offline engine's Resource
records (URN, type, dependencies, protect) that the analyzer protocol sends to the pack.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from offline.engine import Resource

PROJECT, STACK = "greenlight", "test"
NAMESPACE = "shop"
APP = "web"
CLUSTER = "web-db"
IMAGE = "ghcr.io/acme/web:1.4.2@sha256:" + "a" * 64
TYPES = {
    "Namespace": "kubernetes:core/v1:Namespace",
    "Deployment": "kubernetes:apps/v1:Deployment",
    "StatefulSet": "kubernetes:apps/v1:StatefulSet",
    "DaemonSet": "kubernetes:apps/v1:DaemonSet",
    "Job": "kubernetes:batch/v1:Job",
    "CronJob": "kubernetes:batch/v1:CronJob",
    "Pod": "kubernetes:core/v1:Pod",
    "Service": "kubernetes:core/v1:Service",
    "Secret": "kubernetes:core/v1:Secret",
    "HorizontalPodAutoscaler": "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    "PodDisruptionBudget": "kubernetes:policy/v1:PodDisruptionBudget",
    "ServiceMonitor": "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    "PodMonitor": "kubernetes:monitoring.coreos.com/v1:PodMonitor",
    "PrometheusRule": "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    "Cluster": "kubernetes:postgresql.cnpg.io/v1:Cluster",
    "ScheduledBackup": "kubernetes:postgresql.cnpg.io/v1:ScheduledBackup",
    "PersistentVolumeClaim": "kubernetes:core/v1:PersistentVolumeClaim",
    "Chart": "kubernetes:helm.sh/v4:Chart",
    "ReplicaSet": "kubernetes:apps/v1:ReplicaSet",
    "ReplicationController": "kubernetes:core/v1:ReplicationController",
    "ConfigMap": "kubernetes:core/v1:ConfigMap",
    "ServiceAccount": "kubernetes:core/v1:ServiceAccount",
    "PersistentVolume": "kubernetes:core/v1:PersistentVolume",
    "Ingress": "kubernetes:networking.k8s.io/v1:Ingress",
    "Role": "kubernetes:rbac.authorization.k8s.io/v1:Role",
    "RoleBinding": "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    "ClusterRole": "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    "ClusterRoleBinding": "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
}
CHART_TYPE = TYPES["Chart"]
ALERTMANAGER_YAML = """\
route:
  receiver: slack
  routes:
    - receiver: heartbeat
      matchers: ['alertname="Watchdog"']
    - receiver: pagerduty
      matchers: ['severity="critical"']
    - receiver: "null"
      matchers: ['severity="info"']
receivers:
  - name: "null"
  - name: slack
    slack_configs: [{api_url: https://hooks.slack.example/x, channel: "#alerts"}]
  - name: pagerduty
    pagerduty_configs: [{routing_key: test-routing-key}]
  - name: heartbeat
    webhook_configs: [{url: https://heartbeat.example/ping}]
"""


@dataclass
class Spec:
    kind: str
    inputs: dict[str, Any]
    depends_on: list[str] = field(default_factory=list)  # names of other specs
    protect: bool = False
    in_chart: str = ""  # name of the Chart spec that renders it ("" for the stack's own objects)

    @property
    def type(self) -> str:
        return TYPES[self.kind]


def labels(name: str = APP, component: str = "server", **extra: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{name}-prod",
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "greenlight",
        "app.kubernetes.io/managed-by": "pulumi",
        "team": "payments",
        "cost-center": "cc-1042",
        **extra,
    }


def meta(name: str, component: str = "server", **extra: str) -> dict[str, Any]:
    return {"name": name, "namespace": NAMESPACE, "labels": labels(component=component, **extra)}


def container(name: str = APP, probes: bool = True, ports: bool = True) -> dict[str, Any]:
    c: dict[str, Any] = {
        "name": name,
        "image": IMAGE,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "env": [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": {"name": f"{CLUSTER}-url", "key": "url"}}}],
    }
    if ports:
        c["ports"] = [{"name": "http", "containerPort": 8080}]
    if probes:
        c["livenessProbe"] = {"httpGet": {"path": "/health", "port": "http"}}
        c["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}}
    return c


def pod_spec(**container_args: Any) -> dict[str, Any]:
    return {
        "automountServiceAccountToken": False,  # no RBAC in the stack: no token to mount
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "runAsGroup": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container(**container_args)],
    }


def deployment(color: str, replicas: int | None = None) -> dict[str, Any]:
    pod_labels = labels(**{"greenlight.dev/color": color})
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app.kubernetes.io/name": APP, "greenlight.dev/color": color}},
        "template": {"metadata": {"labels": pod_labels}, "spec": pod_spec()},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": meta(f"{APP}-{color}", **{"greenlight.dev/color": color}),
        "spec": spec,
    }


def service(name: str, color: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": meta(name),
        "spec": {
            "selector": {"app.kubernetes.io/name": APP, "greenlight.dev/color": color},
            "ports": [{"name": "http", "port": 80, "targetPort": "http"}],
        },
    }


def chart(chart: str, namespace: str = "monitoring", values: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "chart": chart,
        "version": "1.0.0",
        "repositoryOpts": {"repo": "https://charts.example"},
        "namespace": namespace,
        "name": chart,
        "values": values or {},
    }


def alert(name: str, severity: str = "critical", expr: str = f'up{{job="{APP}"}} == 0') -> dict[str, Any]:
    return {
        "alert": name,
        "expr": expr,
        "for": "5m",
        "labels": {"severity": severity},
        "annotations": {"summary": name, "runbook_url": f"https://example.com/runbooks/{name}.md"},
    }


def _database_specs() -> dict[str, Spec]:
    return {
        "db": Spec(
            "Cluster",
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "Cluster",
                "metadata": meta(CLUSTER, component="database"),
                "spec": {"instances": 3, "backup": {"barmanObjectStore": {"destinationPath": "s3://b"}}},
            },
            protect=True,
        ),
        "db-backup": Spec(
            "ScheduledBackup",
            {
                "apiVersion": "postgresql.cnpg.io/v1",
                "kind": "ScheduledBackup",
                "metadata": meta(f"{CLUSTER}-daily", component="backup"),
                "spec": {"schedule": "0 0 2 * * *", "cluster": {"name": CLUSTER}},
            },
        ),
    }


def _app_specs() -> dict[str, Spec]:
    migrate = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": meta(f"{APP}-migrate", component="migration"),
        "spec": {
            "template": {
                "metadata": {"labels": labels(component="migration")},
                "spec": {**pod_spec(probes=False, ports=False), "restartPolicy": "Never"},
            }
        },
    }
    return {
        "migrate": Spec("Job", migrate, depends_on=["db"]),
        "blue": Spec("Deployment", deployment("blue"), depends_on=["migrate"]),
        "green": Spec("Deployment", deployment("green", replicas=2), depends_on=["migrate"]),
        "hpa": Spec(
            "HorizontalPodAutoscaler",
            {
                "metadata": meta(f"{APP}-blue"),
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": f"{APP}-blue"},
                    "minReplicas": 2,
                    "maxReplicas": 6,
                },
            },
        ),
        "pdb": Spec(
            "PodDisruptionBudget",
            {
                "metadata": meta(APP),
                "spec": {"maxUnavailable": 1, "selector": {"matchLabels": {"app.kubernetes.io/name": APP}}},
            },
        ),
        "active": Spec("Service", service(APP, "blue"), depends_on=["blue"]),
        "preview": Spec("Service", service(f"{APP}-preview", "green"), depends_on=["green"]),
    }


def _observability_specs() -> dict[str, Spec]:
    prom_values = {"alertmanager": {"alertmanagerSpec": {"configSecret": "alertmanager-config"}}}
    return {
        "monitor": Spec(
            "ServiceMonitor",
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "ServiceMonitor",
                "metadata": meta(APP),
                "spec": {
                    "selector": {"matchLabels": {"app.kubernetes.io/name": APP}},
                    "endpoints": [{"port": "http", "path": "/metrics"}],
                },
            },
        ),
        "rules": Spec(
            "PrometheusRule",
            {
                "apiVersion": "monitoring.coreos.com/v1",
                "kind": "PrometheusRule",
                "metadata": meta(APP, component="alerts"),
                "spec": {
                    "groups": [
                        {"name": "web", "rules": [alert("HighErrorRate"), alert("Watchdog", "info", "vector(1)")]}
                    ]
                },
            },
        ),
        "am-config": Spec(
            "Secret",
            {
                "metadata": {**meta("alertmanager-config", component="alerting"), "namespace": "monitoring"},
                "stringData": {"alertmanager.yaml": ALERTMANAGER_YAML},
            },
        ),
        "prometheus": Spec("Chart", chart("kube-prometheus-stack", values=prom_values)),
        "loki": Spec("Chart", chart("loki")),
        "alloy": Spec("Chart", chart("alloy")),
    }


def compliant() -> dict[str, Spec]:
    """A prod stack every policy accepts: blue-green app with database, monitoring, logging, backups."""
    return {
        "namespace": Spec("Namespace", {"metadata": {"name": NAMESPACE, "labels": labels(component="namespace")}}),
        **_database_specs(),
        **_app_specs(),
        **_observability_specs(),
    }


def urn(spec: Spec, name: str, specs: dict[str, Spec]) -> str:
    qualified = f"{CHART_TYPE}${spec.type}" if spec.in_chart else spec.type
    return f"urn:pulumi:{STACK}::{PROJECT}::{qualified}::{name}"


def resources(specs: dict[str, Spec]) -> list[Resource]:
    urns = {name: urn(spec, name, specs) for name, spec in specs.items()}
    for spec in specs.values():  # a dropped spec drops out of the graph too
        spec.depends_on = [d for d in spec.depends_on if d in urns]
    return [
        Resource(
            urn=urns[name],
            type=spec.type,
            name=name,
            custom=spec.kind != "Chart",
            remote=spec.kind == "Chart",
            parent=urns[spec.in_chart] if spec.in_chart else "",
            dependencies=[urns[d] for d in spec.depends_on],
            property_dependencies={},
            provider="",
            protect=spec.protect,
            retain_on_delete=spec.protect,
            delete_before_replace=False,
            ignore_changes=[],
            aliases=[],
            inputs=copy.deepcopy(spec.inputs),
        )
        for name, spec in specs.items()
    ]


Change = Callable[[dict[str, Spec]], None]


def changed(*changes: Change) -> dict[str, Spec]:
    specs = compliant()
    for change in changes:
        change(specs)
    return specs


def pod_of(specs: dict[str, Spec], name: str) -> dict[str, Any]:
    spec = specs[name].inputs["spec"]
    return spec["template"]["spec"] if "template" in spec else spec


def first_container(specs: dict[str, Spec], name: str = "blue") -> dict[str, Any]:
    container_spec: dict[str, Any] = pod_of(specs, name)["containers"][0]
    return container_spec
