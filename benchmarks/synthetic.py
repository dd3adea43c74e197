"""One hardened Deployment manifest per index: the object the floor registers and the pack benchmark analyzes."""

from __future__ import annotations

from typing import Any

DIGEST = "sha256:" + "0" * 64


def labels(i: int) -> dict[str, str]:
    return {
        "app.kubernetes.io/name": f"svc-{i}",
        "app.kubernetes.io/instance": f"svc-{i}-bench",
        "app.kubernetes.io/version": "1.0.0",
        "app.kubernetes.io/component": "web",
        "app.kubernetes.io/part-of": "greenlight",
        "app.kubernetes.io/managed-by": "pulumi",
        "team": "bench",
        "cost-center": "cc-1",
    }


def deployment(i: int) -> dict[str, Any]:
    """A Deployment every workload policy passes: pinned image, probes, resources, locked-down context."""
    container = {
        "name": "app",
        "image": f"registry.example/app:1.0.0@{DIGEST}",
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"cpu": "1", "memory": "256Mi"}},
        "livenessProbe": {"httpGet": {"path": "/health", "port": 8080}},
        "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}},
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": f"svc-{i}", "namespace": "bench", "labels": labels(i)},
        "spec": {
            "replicas": 3,
            "selector": {"matchLabels": {"app.kubernetes.io/name": f"svc-{i}"}},
            "template": {"metadata": {"labels": labels(i)}, "spec": {"containers": [container]}},
        },
    }
