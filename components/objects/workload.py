"""Pure builders for the pods of the app: ServiceAccount, ConfigMap, Deployment, HPA, PDB.

Every function returns a plain manifest dict (camelCase, as `kubectl` users read it), so tests and
the blue-green release can call them without an engine. The image may be a `pulumi.Output`: Pulumi
resolves Outputs nested anywhere inside a resource's inputs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from components.contract import DATABASE_URL_KEY, PORT_NAME, database_url_secret_name
from components.objects.meta import app_labels, metadata, selector_labels
from components.objects.plan import Track
from components.settings import AppSpec

# The UID/GID the reference image runs as (app/Dockerfile); >= 10000 so it never maps to a host user
# (checkov CKV_K8S_40, kube-score "container-security-context-user-group-id").
APP_UID = 10001
APP_GID = 10001
CONFIG_CHECKSUM_ANNOTATION = "greenlight.dev/config-checksum"

# Shutdown timing (app/gunicorn.conf.py documents the sequence). The preStop sleep covers the
# time endpoint controllers and kube-proxy/ingress need to stop routing to a terminating pod;
# 5 s is the usual figure (Kubernetes docs "Pod termination", GKE/EKS best-practice guides).
PRESTOP_SLEEP_SECONDS = 5
# After preStop the app drains for DRAIN_SECONDS; this margin covers process exit and log flush.
SHUTDOWN_MARGIN_SECONDS = 5
# gunicorn keeps listening this long after SIGTERM; 0 because preStop already covered propagation.
DRAIN_DELAY_SECONDS = 0

# Probes. Liveness is lenient (restart only a wedged process); readiness reacts fast; the startup
# probe gives a cold start STARTUP_PERIOD * STARTUP_FAILURES = 60 s before liveness takes over.
LIVENESS = {"periodSeconds": 10, "timeoutSeconds": 2, "failureThreshold": 3}
# timeoutSeconds 3 > the app's 2 s database check (app/greenlight_app/config.py DB_CHECK_TIMEOUT_SECONDS).
READINESS = {"periodSeconds": 5, "timeoutSeconds": 3, "failureThreshold": 2, "successThreshold": 1}
STARTUP = {"periodSeconds": 2, "timeoutSeconds": 2, "failureThreshold": 30}

REVISION_HISTORY_LIMIT = 5  # enough to `kubectl rollout undo`, few enough to keep etcd small
MAX_SURGE = "25%"  # the Kubernetes default; with maxUnavailable 0 capacity never drops
TMP_SIZE_LIMIT = "64Mi"  # /tmp holds gunicorn heartbeats and prometheus multiprocess files
PDB_MAX_UNAVAILABLE = 1  # one pod at a time: a node drain always progresses, even with 1 replica

# Server-side apply: once an HPA has scaled a Deployment, its controller owns `spec.replicas` (through the
# scale subresource), and a plain apply that sets the field again conflicts with it and fails the update.
# That happens exactly where Pulumi sets replicas on a Deployment an HPA may have scaled: the idle color
# parked at 0 (scaleDownIdle) and autoscaling turned off. Force those applies (pulumi-kubernetes
# `pulumi.com/patchForce`); Deployments the HPA scales never carry `spec.replicas`, so nothing is forced there.
FORCE_REPLICAS = {"pulumi.com/patchForce": "true"}

# The app reads DATABASE_URL only from its environment (twelve-factor), so a file mount is no option.
SKIP_SECRET_AS_ENV = (
    "checkov.io/skip1",
    "CKV_K8S_35=the app reads DATABASE_URL from its environment only; the value comes from the "
    "database component's Secret by reference and never appears in the manifest",
)


def termination_grace_seconds(spec: AppSpec) -> int:
    """Covers preStop + the drain window + exit; kubelet SIGKILLs only after all of it."""
    return PRESTOP_SLEEP_SECONDS + DRAIN_DELAY_SECONDS + spec.app.drain_seconds + SHUTDOWN_MARGIN_SECONDS


def build_service_account(spec: AppSpec) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(spec, spec.name, app_labels(spec)),
        # The app never calls the Kubernetes API: no token in its pods.
        "automountServiceAccountToken": False,
    }


def config_env(spec: AppSpec, track: Track) -> dict[str, str]:
    """The app's non-secret environment (app/greenlight_app/config.py reads these)."""
    return {
        "PORT": str(spec.app.port),
        "SERVICE_NAME": spec.name,
        "APP_VERSION": track.version,
        "LOG_LEVEL": "debug" if spec.environment == "dev" else "info",
        "DRAIN_SECONDS": str(spec.app.drain_seconds),
        "DRAIN_DELAY_SECONDS": str(DRAIN_DELAY_SECONDS),
        **({"DEPLOYMENT_COLOR": track.color} if track.color else {}),
        **dict(spec.app.env),
    }


def config_checksum(data: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def config_map_name(track: Track) -> str:
    return f"{track.name}-config"


def build_config_map(spec: AppSpec, track: Track) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(spec, config_map_name(track), app_labels(spec, track.color, track.version)),
        "data": config_env(spec, track),
    }


def container_security_context() -> dict[str, Any]:
    """Restricted Pod Security Standard, plus a read-only root (the app writes only /tmp)."""
    return {
        "runAsNonRoot": True,
        "runAsUser": APP_UID,
        "runAsGroup": APP_GID,
        "readOnlyRootFilesystem": True,
        "allowPrivilegeEscalation": False,
        "privileged": False,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def pod_security_context() -> dict[str, Any]:
    return {
        "runAsNonRoot": True,
        "runAsUser": APP_UID,
        "runAsGroup": APP_GID,
        "fsGroup": APP_GID,
        "seccompProfile": {"type": "RuntimeDefault"},
    }


def resources(spec: AppSpec) -> dict[str, Any]:
    r = spec.app.resources
    return {
        "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def _probe(path: str, timing: dict[str, int]) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": PORT_NAME}, **timing}


def database_url_env(spec: AppSpec) -> list[dict[str, Any]]:
    """DATABASE_URL from the Secret the app's Database owns (by reference, never the value)."""
    if not spec.database.enabled:
        return []
    secret = {"name": database_url_secret_name(spec.name), "key": DATABASE_URL_KEY}
    return [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": secret}}]


def topology_spread(spec: AppSpec, color: str | None) -> list[dict[str, Any]]:
    """Prod: at most one pod of skew per zone (hard) and per node (soft, so small clusters still scale)."""
    if not spec.is_prod:
        return []

    def constraint(key: str, when: str) -> dict[str, Any]:
        return {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": selector_labels(spec, color)},
            # Spread each revision on its own, so a rollout does not pile new pods into one zone.
            "matchLabelKeys": ["pod-template-hash"],
            # A lost zone's nodes are tainted unreachable: leave them out of the skew, or the lost zone's
            # zero pods hold every replacement Pending (NodeInclusionPolicyInPodTopologySpread, on since 1.26).
            "nodeTaintsPolicy": "Honor",
        }

    return [
        constraint("topology.kubernetes.io/zone", "DoNotSchedule"),
        constraint("kubernetes.io/hostname", "ScheduleAnyway"),
    ]


def build_pod_spec(spec: AppSpec, track: Track) -> dict[str, Any]:
    container = {
        "name": spec.name,
        "image": track.image,
        # Pinned by digest, so a cached copy is the same bytes.
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "containerPort": spec.app.port, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": config_map_name(track)}}],
        "env": database_url_env(spec),
        "resources": resources(spec),
        "livenessProbe": _probe("/health", LIVENESS),
        "readinessProbe": _probe("/ready", READINESS),
        "startupProbe": _probe("/health", STARTUP),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRESTOP_SLEEP_SECONDS)]}}},
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - the app's only writable path
    }
    pod: dict[str, Any] = {
        "serviceAccountName": spec.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # no docker-link env vars from every Service in the namespace
        "securityContext": pod_security_context(),
        "terminationGracePeriodSeconds": termination_grace_seconds(spec),
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}}],
    }
    spread = topology_spread(spec, track.color)
    if spread:
        pod["topologySpreadConstraints"] = spread
    return pod


def build_deployment(spec: AppSpec, track: Track) -> dict[str, Any]:
    """The track's Deployment. `track.replicas=None` leaves the count to the HPA (never fight it on `up`)."""
    pod_labels = app_labels(spec, track.color, track.version)
    annotations = {CONFIG_CHECKSUM_ANNOTATION: config_checksum(config_env(spec, track))}
    deployment: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(spec, track.color)},
        "revisionHistoryLimit": REVISION_HISTORY_LIMIT,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": MAX_SURGE}},
        "template": {
            "metadata": {"labels": pod_labels, "annotations": annotations},
            "spec": build_pod_spec(spec, track),
        },
    }
    annotations = dict([SKIP_SECRET_AS_ENV]) if spec.database.enabled else {}
    if track.replicas is not None:
        deployment["replicas"] = track.replicas
        annotations.update(FORCE_REPLICAS)
    extra = {"annotations": annotations} if annotations else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(spec, track.name, app_labels(spec, track.color, track.version), **extra),
        "spec": deployment,
    }


def build_hpa(spec: AppSpec, track: Track, min_replicas: Any = None) -> dict[str, Any]:
    """`min_replicas` (an int or an Output) raises the minimum, e.g. to the live color's size."""
    a = spec.app.autoscaling
    hpa: dict[str, Any] = {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(spec, track.name, app_labels(spec, track.color, track.version)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": track.name},
            "minReplicas": a.min_replicas if min_replicas is None else min_replicas,
            "maxReplicas": a.max_replicas,
            "metrics": [
                {
                    "type": "Resource",
                    "resource": {
                        "name": "cpu",
                        "target": {"type": "Utilization", "averageUtilization": a.target_cpu_utilization},
                    },
                }
            ],
        },
    }
    if track.color:
        # The HPA scales down to the highest recommendation of the window: after a switch, the color that
        # lost the traffic keeps its size this long, so a rollback finds it as large as it was.
        window = spec.release.rollback_window_seconds
        hpa["spec"]["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": window}}
    return hpa


def build_pdb(spec: AppSpec, track: Track) -> dict[str, Any]:
    """maxUnavailable (not minAvailable) so a 1-replica dev Deployment never blocks a node drain."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(spec, track.name, app_labels(spec, track.color, track.version)),
        "spec": {
            "maxUnavailable": PDB_MAX_UNAVAILABLE,
            "selector": {"matchLabels": selector_labels(spec, track.color)},
        },
    }
