"""What every chart greenlight installs is told through its values to be production-ready.

Checked against the charts' own sources at the pinned versions (`helm template` + checkov + the policy
pack, see README "Chart objects are judged too"): restricted security contexts, requests and limits on
every container, probes, labels for cost allocation, PodDisruptionBudgets and replicas in prod where the
chart supports them, and unused sidecars (with the RBAC that let them read Secrets) switched off.
What a chart cannot do through its values is excepted, with the reason, in
policies/greenlight_policies/exceptions.py. Each function returns values merged over the chart's base values.
"""

from __future__ import annotations

from typing import Any

from components.contract import COMPONENT_LABEL, COST_CENTER_LABEL, PART_OF, PART_OF_LABEL, TEAM_LABEL
from components.settings import Settings

NOBODY = 65534  # the `nobody` UID/GID: above the 10000 the pack asks for (run-as-high-uid), owns nothing
RESTRICTED_CONTAINER: dict[str, Any] = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}
RESTRICTED_POD: dict[str, Any] = {
    "runAsNonRoot": True,
    "runAsUser": NOBODY,
    "runAsGroup": NOBODY,
    "fsGroup": NOBODY,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# With tags (digests are not known offline), Always re-resolves the tag at each pod start (checkov CKV_K8S_15).
PULL_POLICY = "Always"
# A CPU limit this many times the request: bursts allowed, a runaway loop bounded.
CPU_LIMIT_FACTOR = 4
SMALL = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "128Mi"}}
OPERATOR = {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
EXPORTER = {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"cpu": "250m", "memory": "256Mi"}}
DISRUPTION_BUDGET = {"maxUnavailable": 1}  # one pod at a time may be evicted (a singleton: evictable, on record)
# Roll out by adding a pod first: capacity never drops, and the previous ReplicaSet stays for `rollout undo`.
ROLLING = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1}}
# k8s-sidecar serves /healthz on HEALTH_PORT; the grafana chart gives the dashboards sidecar 8084.
DASHBOARDS_SIDECAR_HEALTH_PORT = 8084
ALLOY_HTTP_PORT = 12345  # the alloy chart's alloy.listenPort
# Paths inside the containers that must stay writable under a read-only root: emptyDir volumes.
GRAFANA_SCRATCH = "/tmp"  # noqa: S108 - a mount point in the container, not a file we create
ALLOY_STORAGE_PATH = "/tmp/alloy"  # noqa: S108 - the alloy chart's alloy.storagePath, mounted as an emptyDir
# The grafana chart's ClusterRole grants Secrets to any sidecar; greenlight's own reads ConfigMaps only.
GRAFANA_DASHBOARD_READER = "greenlight-grafana-dashboard-reader"


def cpu_limited(resources: dict[str, Any]) -> dict[str, Any]:
    """`resources` with a CPU limit of CPU_LIMIT_FACTOR times its request (millicores)."""
    request = str(resources["requests"]["cpu"])
    millis = int(request[:-1]) if request.endswith("m") else int(float(request) * 1000)
    return {**resources, "limits": {**resources.get("limits", {}), "cpu": f"{millis * CPU_LIMIT_FACTOR}m"}}


def owner_labels(settings: Settings) -> dict[str, str]:
    """The labels cost reports group by, on every object a chart lets us label."""
    return {TEAM_LABEL: settings.team, COST_CENTER_LABEL: settings.cost_center}


def merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    """`extra` over `base`, maps merged key by key (as helm merges values)."""
    out = dict(base)
    for key, value in extra.items():
        out[key] = merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _probe(path: str, port: int) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": port}, "initialDelaySeconds": 10, "periodSeconds": 10}


def grafana(settings: Settings) -> dict[str, Any]:
    """The grafana subchart: restricted, read-only root, one sidecar (dashboards, ConfigMaps only)."""
    sidecar_probe = _probe("/healthz", DASHBOARDS_SIDECAR_HEALTH_PORT)
    # The grafana chart sets neither component nor part-of on any object: adding them cannot clash.
    labels = {**owner_labels(settings), COMPONENT_LABEL: "grafana", PART_OF_LABEL: PART_OF}
    return {
        "extraLabels": labels,  # the chart puts them on its pods too
        "image": {"pullPolicy": PULL_POLICY},
        "securityContext": RESTRICTED_POD,
        "containerSecurityContext": RESTRICTED_CONTAINER,
        "extraEmptyDirMounts": [{"name": "tmp", "mountPath": GRAFANA_SCRATCH}],  # read-only root: scratch space
        "rbac": {"useExistingClusterRole": GRAFANA_DASHBOARD_READER},
        "deploymentStrategy": ROLLING,
        "podDisruptionBudget": DISRUPTION_BUDGET,
        "sidecar": {
            "imagePullPolicy": PULL_POLICY,
            "resources": SMALL,
            "securityContext": RESTRICTED_CONTAINER,
            "livenessProbe": sidecar_probe,
            "readinessProbe": sidecar_probe,
            # ConfigMaps only, read through greenlight's ClusterRole (build_grafana_dashboard_reader).
            "dashboards": {"resource": "configmap"},
            # Data sources are provisioned from the chart's own ConfigMap (datasources.yaml): no sidecar.
            "datasources": {"enabled": False},
        },
    }


def kube_prometheus_stack(settings: Settings) -> dict[str, Any]:
    replicated = settings.is_prod
    # kube-prometheus-stack's PDB template renders the map minus `enabled`: maxUnavailable replaces minAvailable.
    budget = {"podDisruptionBudget": {"enabled": True, "minAvailable": None, **DISRUPTION_BUDGET}}
    return {
        "commonLabels": owner_labels(settings),
        "prometheusOperator": {
            "resources": OPERATOR,
            "image": {"pullPolicy": PULL_POLICY},
            "prometheusConfigReloader": {"resources": SMALL},
            "strategy": ROLLING,
            **budget,
        },
        "prometheus": budget if replicated else {},
        "alertmanager": budget if replicated else {},
        "grafana": grafana(settings),
        "kube-state-metrics": {
            "customLabels": owner_labels(settings),
            "podDisruptionBudget": DISRUPTION_BUDGET,
            "resources": OPERATOR,
            "image": {"pullPolicy": PULL_POLICY},
        },
        "prometheus-node-exporter": {
            "commonLabels": owner_labels(settings),
            "resources": EXPORTER,
            "image": {"pullPolicy": PULL_POLICY},
            "containerSecurityContext": RESTRICTED_CONTAINER,
        },
    }


def loki(settings: Settings) -> dict[str, Any]:
    return {
        # Not part-of: the chart sets it on some objects (memberlist), and a key given twice is an error.
        "commonLabels": owner_labels(settings),
        "loki": {"image": {"pullPolicy": PULL_POLICY}},
        # Loki reads nothing from the API once the rules sidecar is off.
        "serviceAccount": {"automountServiceAccountToken": False},
        "singleBinary": {"automountServiceAccountToken": False},
        # The rules sidecar (unused: alert rules are PrometheusRules) and its Secret-reading ClusterRole.
        "sidecar": {"rules": {"enabled": False}},
        "monitoring": {"serviceMonitor": {"enabled": True}},
    }


def alloy(settings: Settings) -> dict[str, Any]:
    return {
        "global": {"image": {"pullPolicy": PULL_POLICY}, "podSecurityContext": RESTRICTED_POD},
        "alloy": {
            "securityContext": RESTRICTED_CONTAINER,
            "livenessProbe": _probe("/-/healthy", ALLOY_HTTP_PORT),
            # storagePath (/tmp/alloy) on an emptyDir: the root filesystem is read-only.
            "mounts": {"extra": [{"name": "storage", "mountPath": ALLOY_STORAGE_PATH}]},
        },
        "controller": {
            "podLabels": owner_labels(settings),
            "volumes": {"extra": [{"name": "storage", "emptyDir": {}}]},
        },
        # The pod template carries a checksum of the config: a change rolls the pods, no reloader needed.
        "configReloader": {"enabled": False},
    }


def cloudnative_pg(settings: Settings) -> dict[str, Any]:
    return {
        "replicaCount": 2 if settings.is_prod else 1,  # leader election: one active, one standing by
        "updateStrategy": ROLLING,
        "image": {"pullPolicy": PULL_POLICY},
        "podLabels": owner_labels(settings),
        # The operator's own metrics; the PodMonitor CRD comes with the monitoring stack.
        "monitoring": {"podMonitorEnabled": settings.monitoring.enabled},
    }


def build_grafana_dashboard_reader(labels: dict[str, str]) -> dict[str, Any]:
    """The dashboards sidecar's ClusterRole: ConfigMaps in every namespace, and no Secret (checkov CKV2_K8S_5)."""
    return {
        "apiVersion": "rbac.authorization.k8s.io/v1",
        "kind": "ClusterRole",
        "metadata": {"name": GRAFANA_DASHBOARD_READER, "labels": labels},
        "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "watch", "list"]}],
    }
