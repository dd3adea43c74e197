"""Pure builders for the pods of the app: ServiceAccount, ConfigMap, Deployment, HPA, PDB.

Every function returns a plain manifest dict (camelCase, as `kubectl` users read it), so tests and
the blue-green release can call them without an engine. The image may be a `pulumi.Output`: Pulumi
resolves Outputs nested anywhere inside a resource's inputs.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from components import database
from components.labels import COLOR_LABEL, standard_labels
from components.settings import Settings

# The UID/GID the reference image runs as (app/Dockerfile); >= 10000 so it never maps to a host user
# (checkov CKV_K8S_40, kube-score "container-security-context-user-group-id").
APP_UID = 10001
APP_GID = 10001
COMPONENT = "server"
PORT_NAME = "http"  # the ServiceMonitor and the Services refer to the port by this name
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

# The app reads DATABASE_URL only from its environment (twelve-factor), so a file mount is no option.
SKIP_SECRET_AS_ENV = (
    "checkov.io/skip1",
    "CKV_K8S_35=the app reads DATABASE_URL from its environment only; the value comes from the "
    "database component's Secret by reference and never appears in the manifest",
)


def track_name(settings: Settings, color: str | None) -> str:
    """`web` for the rolling track, `web-blue` / `web-green` for the release tracks."""
    return f"{settings.app.name}-{color}" if color else settings.app.name


def selector_labels(settings: Settings, color: str | None = None) -> dict[str, str]:
    """Immutable pod selector: name + instance (+ color). Never the version, which changes."""
    labels = {
        "app.kubernetes.io/name": settings.app.name,
        "app.kubernetes.io/instance": f"{settings.app.name}-{settings.environment}",
    }
    if color:
        labels[COLOR_LABEL] = color
    return labels


def object_labels(
    settings: Settings, color: str | None, version: str = "", component: str = COMPONENT
) -> dict[str, str]:
    labels = standard_labels(settings, settings.app.name, component, version)
    if color:
        labels[COLOR_LABEL] = color
    return labels


def metadata(settings: Settings, name: str, labels: dict[str, str], **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": settings.app_namespace, "labels": labels, **extra}


def termination_grace_seconds(settings: Settings) -> int:
    """Covers preStop + the drain window + exit; kubelet SIGKILLs only after all of it."""
    return PRESTOP_SLEEP_SECONDS + DRAIN_DELAY_SECONDS + settings.app.drain_seconds + SHUTDOWN_MARGIN_SECONDS


def build_service_account(settings: Settings) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": metadata(settings, settings.app.name, object_labels(settings, None)),
        # The app never calls the Kubernetes API: no token in its pods.
        "automountServiceAccountToken": False,
    }


def config_env(settings: Settings, color: str | None, version: str) -> dict[str, str]:
    """The app's non-secret environment (app/greenlight_app/config.py reads these)."""
    return {
        "PORT": str(settings.app.port),
        "SERVICE_NAME": settings.app.name,
        "APP_VERSION": version,
        "LOG_LEVEL": "debug" if settings.environment == "dev" else "info",
        "DRAIN_SECONDS": str(settings.app.drain_seconds),
        "DRAIN_DELAY_SECONDS": str(DRAIN_DELAY_SECONDS),
        **({"DEPLOYMENT_COLOR": color} if color else {}),
        **dict(settings.app.env),
    }


def config_checksum(data: dict[str, str]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def build_config_map(settings: Settings, color: str | None, version: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": metadata(
            settings, f"{track_name(settings, color)}-config", object_labels(settings, color, version)
        ),
        "data": config_env(settings, color, version),
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


def resources(settings: Settings) -> dict[str, Any]:
    r = settings.app.resources
    return {
        "requests": {"cpu": r.cpu_request, "memory": r.memory_request},
        "limits": {"cpu": r.cpu_limit, "memory": r.memory_limit},
    }


def _probe(path: str, timing: dict[str, int]) -> dict[str, Any]:
    return {"httpGet": {"path": path, "port": PORT_NAME}, **timing}


def _secret_env(settings: Settings) -> list[dict[str, Any]]:
    if not settings.database.enabled:
        return []
    # The database component (components/database.py) owns this Secret and its key.
    secret = {"name": database.url_secret_name(settings), "key": database.DATABASE_URL_KEY}
    return [{"name": "DATABASE_URL", "valueFrom": {"secretKeyRef": secret}}]


def topology_spread(settings: Settings, color: str | None) -> list[dict[str, Any]]:
    """Prod: at most one pod of skew per zone (hard) and per node (soft, so small clusters still scale)."""
    if not settings.is_prod:
        return []

    def constraint(key: str, when: str) -> dict[str, Any]:
        return {
            "maxSkew": 1,
            "topologyKey": key,
            "whenUnsatisfiable": when,
            "labelSelector": {"matchLabels": selector_labels(settings, color)},
            # Spread each revision on its own, so a rollout does not pile new pods into one zone.
            "matchLabelKeys": ["pod-template-hash"],
        }

    return [
        constraint("topology.kubernetes.io/zone", "DoNotSchedule"),
        constraint("kubernetes.io/hostname", "ScheduleAnyway"),
    ]


def build_pod_spec(settings: Settings, color: str | None, image: Any, config_map: str) -> dict[str, Any]:
    container = {
        "name": settings.app.name,
        "image": image,
        # Pinned by digest, so a cached copy is the same bytes.
        "imagePullPolicy": "IfNotPresent",
        "ports": [{"name": PORT_NAME, "containerPort": settings.app.port, "protocol": "TCP"}],
        "envFrom": [{"configMapRef": {"name": config_map}}],
        "env": _secret_env(settings),
        "resources": resources(settings),
        "livenessProbe": _probe("/health", LIVENESS),
        "readinessProbe": _probe("/ready", READINESS),
        "startupProbe": _probe("/health", STARTUP),
        "lifecycle": {"preStop": {"exec": {"command": ["sleep", str(PRESTOP_SLEEP_SECONDS)]}}},
        "securityContext": container_security_context(),
        "volumeMounts": [{"name": "tmp", "mountPath": "/tmp"}],  # noqa: S108 - the app's only writable path
    }
    spec: dict[str, Any] = {
        "serviceAccountName": settings.app.name,
        "automountServiceAccountToken": False,
        "enableServiceLinks": False,  # no docker-link env vars from every Service in the namespace
        "securityContext": pod_security_context(),
        "terminationGracePeriodSeconds": termination_grace_seconds(settings),
        "containers": [container],
        "volumes": [{"name": "tmp", "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}}],
    }
    spread = topology_spread(settings, color)
    if spread:
        spec["topologySpreadConstraints"] = spread
    return spec


def owns_replicas(settings: Settings) -> bool:
    """True when an HPA, not the Deployment, decides the replica count."""
    return settings.app.autoscaling.enabled


def build_deployment(
    settings: Settings, color: str | None, image: Any, version: str, replicas: int | None = None
) -> dict[str, Any]:
    """The app's Deployment. `replicas=None` leaves the count to the HPA (never fight it on `up`)."""
    name = track_name(settings, color)
    config = build_config_map(settings, color, version)
    pod_labels = object_labels(settings, color, version)
    annotations = {CONFIG_CHECKSUM_ANNOTATION: config_checksum(config["data"])}
    spec: dict[str, Any] = {
        "selector": {"matchLabels": selector_labels(settings, color)},
        "revisionHistoryLimit": REVISION_HISTORY_LIMIT,
        "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": 0, "maxSurge": MAX_SURGE}},
        "template": {
            "metadata": {"labels": pod_labels, "annotations": annotations},
            "spec": build_pod_spec(settings, color, image, config["metadata"]["name"]),
        },
    }
    if replicas is not None:
        spec["replicas"] = replicas
    extra = {"annotations": dict([SKIP_SECRET_AS_ENV])} if settings.database.enabled else {}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": metadata(settings, name, object_labels(settings, color, version), **extra),
        "spec": spec,
    }


def build_hpa(settings: Settings, color: str | None, version: str) -> dict[str, Any]:
    a = settings.app.autoscaling
    name = track_name(settings, color)
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata(settings, name, object_labels(settings, color, version)),
        "spec": {
            "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
            "minReplicas": a.min_replicas,
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


def build_pdb(settings: Settings, color: str | None, version: str) -> dict[str, Any]:
    """maxUnavailable (not minAvailable) so a 1-replica dev Deployment never blocks a node drain."""
    return {
        "apiVersion": "policy/v1",
        "kind": "PodDisruptionBudget",
        "metadata": metadata(settings, track_name(settings, color), object_labels(settings, color, version)),
        "spec": {
            "maxUnavailable": PDB_MAX_UNAVAILABLE,
            "selector": {"matchLabels": selector_labels(settings, color)},
        },
    }
