"""The compliant twin's objects as manifests, keyed by the Pulumi resource name each is registered under.

A prod web app `web` in namespace `shop`: a rolling Deployment (2 replicas, maxUnavailable 0, history)
that reads settings from a ConfigMap and credentials from a Secret through envFrom, mounts a read-only
NFS volume through a claim, runs as a ServiceAccount without a token; its Service, Ingress with TLS,
PodDisruptionBudget, ServiceMonitor and alert rules; a nightly report CronJob whose ServiceAccount
keeps its token because a Role lets it read ConfigMaps; Alertmanager paging on critical alerts.
"""

from __future__ import annotations

from typing import Any

APP = "web"
IMAGE = "ghcr.io/acme/web:1.4.2@sha256:" + "a" * 64
REPORT_IMAGE = "ghcr.io/acme/web-report:1.4.2@sha256:" + "c" * 64
MONITORING = "monitoring"
Manifest = dict[str, Any]
ALERTMANAGER_YAML = """\
route:
  receiver: slack
  routes:
    - receiver: pagerduty
      matchers: ['severity="critical"']
receivers:
  - name: slack
    slack_configs: [{api_url_file: /etc/alertmanager/secrets/slack-url, channel: "#alerts"}]
  - name: pagerduty
    pagerduty_configs: [{routing_key_file: /etc/alertmanager/secrets/pagerduty-key}]
"""


def labels(component: str, name: str = APP) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/instance": f"{name}-prod",
        "app.kubernetes.io/version": "1.4.2",
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/part-of": "shop",
        "app.kubernetes.io/managed-by": "pulumi",
        "team": "payments",
        "cost-center": "cc-1042",
    }


def obj(api_version: str, kind: str, name: str, namespace: str | None, component: str, **fields: Any) -> Manifest:
    metadata: dict[str, Any] = {"name": name, "labels": labels(component)}
    if namespace:
        metadata["namespace"] = namespace
    return {"apiVersion": api_version, "kind": kind, "metadata": metadata, **fields}


def container(name: str, image: str) -> Manifest:
    return {
        "name": name,
        "image": image,
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "256Mi"}},
        "securityContext": {
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
        },
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],
    }


def pod_security() -> Manifest:
    return {"runAsNonRoot": True, "runAsUser": 10001, "runAsGroup": 10001, "seccompProfile": {"type": "RuntimeDefault"}}


def web_pod() -> Manifest:
    web = container(APP, IMAGE)
    web["ports"] = [{"name": "http", "containerPort": 8080}]
    web["envFrom"] = [{"configMapRef": {"name": "web-config"}}, {"secretRef": {"name": "web-credentials"}}]
    web["livenessProbe"] = {"httpGet": {"path": "/health", "port": "http"}}
    web["readinessProbe"] = {"httpGet": {"path": "/ready", "port": "http"}}
    web["volumeMounts"].append({"name": "assets", "mountPath": "/srv/assets", "readOnly": True})
    return {
        "serviceAccountName": APP,  # whose ServiceAccount opts out of the token
        "securityContext": pod_security(),
        "containers": [web],
        "volumes": [
            {"name": "tmp", "emptyDir": {}},
            {"name": "assets", "persistentVolumeClaim": {"claimName": "web-assets", "readOnly": True}},
        ],
    }


def web_workload(ns: str) -> dict[str, Manifest]:
    selector = {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": "server"}
    deployment = obj(
        "apps/v1",
        "Deployment",
        APP,
        ns,
        "server",
        spec={
            "replicas": 2,
            "revisionHistoryLimit": 3,
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}},
            "selector": {"matchLabels": selector},
            "template": {"metadata": {"labels": labels("server")}, "spec": web_pod()},
        },
    )
    return {
        "web-sa": obj("v1", "ServiceAccount", APP, ns, "server", automountServiceAccountToken=False),
        "web-config": obj(
            "v1",
            "ConfigMap",
            "web-config",
            ns,
            "server",
            # Names that mention tokens and keys but hold none: the credential rule must let them pass.
            data={"LOG_LEVEL": "info", "FEATURE_FLAGS": "search,checkout", "TOKEN_TTL": "3600", "CACHE_KEY": "v2"},
        ),
        "web": deployment,
        "web-pdb": obj(
            "policy/v1",
            "PodDisruptionBudget",
            APP,
            ns,
            "server",
            spec={"maxUnavailable": 1, "selector": {"matchLabels": selector}},
        ),
    }


def web_network(ns: str) -> dict[str, Manifest]:
    selector = {"app.kubernetes.io/name": APP, "app.kubernetes.io/component": "server"}
    backend = {"service": {"name": APP, "port": {"name": "http"}}}
    return {
        "web-svc": obj(
            "v1",
            "Service",
            APP,
            ns,
            "server",
            spec={"selector": selector, "ports": [{"name": "http", "port": 80, "targetPort": "http"}]},
        ),
        "web-ingress": obj(
            "networking.k8s.io/v1",
            "Ingress",
            APP,
            ns,
            "server",
            spec={
                "ingressClassName": "nginx",
                "rules": [
                    {
                        "host": "web.example.com",
                        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
                    }
                ],
                "tls": [{"hosts": ["web.example.com"], "secretName": "web-tls"}],
            },
        ),
    }


def web_storage(ns: str) -> dict[str, Manifest]:
    return {
        "assets-pv": obj(
            "v1",
            "PersistentVolume",
            "web-assets",
            None,
            "storage",
            spec={
                "capacity": {"storage": "5Gi"},
                "accessModes": ["ReadOnlyMany"],
                "storageClassName": "",
                "nfs": {"server": "nfs.shop.internal", "path": "/exports/assets"},
                "claimRef": {"namespace": ns, "name": "web-assets"},
            },
        ),
        "assets-pvc": obj(
            "v1",
            "PersistentVolumeClaim",
            "web-assets",
            ns,
            "storage",
            spec={
                "accessModes": ["ReadOnlyMany"],
                "storageClassName": "",
                "volumeName": "web-assets",
                "resources": {"requests": {"storage": "5Gi"}},
            },
        ),
    }


def report(ns: str) -> dict[str, Manifest]:
    """A nightly report that lists ConfigMaps through the API: its token is needed, and granted narrowly."""
    rbac = "rbac.authorization.k8s.io/v1"
    job_pod = {
        "serviceAccountName": "web-report",
        "restartPolicy": "OnFailure",
        "securityContext": pod_security(),
        "containers": [container("report", REPORT_IMAGE)],
        "volumes": [{"name": "tmp", "emptyDir": {}}],
    }
    template = {"metadata": {"labels": labels("report")}, "spec": job_pod}
    return {
        "report-sa": obj("v1", "ServiceAccount", "web-report", ns, "report"),
        "report-role": obj(
            rbac,
            "Role",
            "web-report",
            ns,
            "report",
            rules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}],
        ),
        "report-binding": obj(
            rbac,
            "RoleBinding",
            "web-report",
            ns,
            "report",
            roleRef={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "web-report"},
            subjects=[{"kind": "ServiceAccount", "name": "web-report", "namespace": ns}],
        ),
        "report": obj(
            "batch/v1",
            "CronJob",
            "web-report",
            ns,
            "report",
            spec={"schedule": "0 6 * * *", "jobTemplate": {"spec": {"template": template}}},
        ),
    }


def observability(ns: str) -> dict[str, Manifest]:
    rule = {
        "alert": "HighErrorRate",
        "expr": f'sum(rate(http_requests_total{{job="{APP}",status=~"5.."}}[5m])) '
        f'/ sum(rate(http_requests_total{{job="{APP}"}}[5m])) > 0.05',
        "for": "5m",
        "labels": {"severity": "critical"},
        "annotations": {"summary": "5xx above 5%", "runbook_url": "https://runbooks.example.com/HighErrorRate"},
    }
    return {
        "web-monitor": obj(
            "monitoring.coreos.com/v1",
            "ServiceMonitor",
            APP,
            ns,
            "server",
            spec={
                "selector": {"matchLabels": {"app.kubernetes.io/name": APP}},
                "endpoints": [{"port": "http", "path": "/metrics"}],
            },
        ),
        "web-rules": obj(
            "monitoring.coreos.com/v1",
            "PrometheusRule",
            APP,
            ns,
            "alerts",
            spec={"groups": [{"name": APP, "rules": [rule]}]},
        ),
        "monitoring-ns": obj("v1", "Namespace", MONITORING, None, "monitoring"),
        "alertmanager-config": obj(
            "v1",
            "Secret",
            "alertmanager-config",
            MONITORING,
            "alerting",
            stringData={"alertmanager.yaml": ALERTMANAGER_YAML},
        ),
    }


def manifests(ns: str) -> dict[str, Manifest]:
    """Every object of the twin, in registration order; `ns` is the app's namespace."""
    return {
        "namespace": obj("v1", "Namespace", ns, None, "namespace"),
        **web_workload(ns),
        **web_network(ns),
        **web_storage(ns),
        **report(ns),
        **observability(ns),
    }
