"""The schema migration Job: the app image run with `migrate` before a version takes traffic.

Pure builders; components/resources/migration.py registers them. Pulumi's Job await waits for the
Complete condition and fails at once on Failed, so a failed migration fails `pulumi up` and everything
that `depends_on` the Job (the new track's Deployment, the release gate, the Service switch) never runs.
"""

from __future__ import annotations

import hashlib
from typing import Any

from components.contract import DATABASE_URL_KEY, INSTANCE_LABEL, database_url_secret_name
from components.objects import networking, workload
from components.objects.meta import app_labels
from components.settings import AppSpec
from components.settings.names import migration_instance, migration_job_name

MIGRATE_ARGS = ["migrate"]  # app/Dockerfile: ENTRYPOINT python -m greenlight_app; `migrate` = alembic upgrade head
# One retry covers a primary failover during the run; migrations are idempotent (alembic + advisory lock).
BACKOFF_LIMIT = 1
ACTIVE_DEADLINE_SECONDS = 600
# No ttlSecondsAfterFinished, on purpose: Pulumi owns the Job's lifetime (a new image or version
# replaces it, deleting the old one). A TTL-deleted Job vanishes from the state on `pulumi refresh`,
# and the next `up` would re-run the older color's image against a schema already ahead of it.
# Pulumi's default Job timeout is 10 minutes: leave room for the deadline plus scheduling.
PULUMI_TIMEOUT = "15m"
TMP_VOLUME = "tmp"
MIGRATION_COMPONENT = "migration"
# On the pod template (not the controller-set batch.kubernetes.io/job-name), so the NetworkPolicy's
# selector is visible in the manifest itself (checkov CKV2_K8S_6 and reviewers pair them by it).
MIGRATION_LABEL = "greenlight.dev/migration"


def migration_labels(spec: AppSpec, version: str) -> dict[str, str]:
    return app_labels(spec, version=version, component=MIGRATION_COMPONENT)


def migration_pod_labels(spec: AppSpec, version: str) -> dict[str, str]:
    """Its own `instance`: the app's Service, PDB and NetworkPolicy select name + instance and must
    never pick up this pod (a running Job pod counts as ready and would receive traffic)."""
    instance = migration_instance(spec.name, spec.environment)
    return {**migration_labels(spec, version), INSTANCE_LABEL: instance}


def job_name(spec: AppSpec, image: str, version: str) -> str:
    """`<app>-migrate-<hash>`: a new image or version is a new Job, so the migration runs again."""
    return migration_job_name(spec.name, hashlib.sha256(f"{image}|{version}".encode()).hexdigest())


def build_migration_job(spec: AppSpec, image: str, version: str) -> dict[str, Any]:
    """A batch/v1 Job running `image` with args ["migrate"], DATABASE_URL from the Secret."""
    labels = migration_labels(spec, version)
    pod_labels = migration_pod_labels(spec, version)
    container = {
        "name": "migrate",
        "image": image,
        "args": MIGRATE_ARGS,
        "env": [
            {
                "name": "DATABASE_URL",
                "valueFrom": {"secretKeyRef": {"name": database_url_secret_name(spec.name), "key": DATABASE_URL_KEY}},
            },
            {"name": "APP_VERSION", "value": version},
        ],
        "resources": workload.resources(spec),
        "securityContext": workload.container_security_context(),
        "volumeMounts": [{"name": TMP_VOLUME, "mountPath": "/tmp"}],  # noqa: S108 (an emptyDir, not shared)
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(spec, image, version),
            "namespace": spec.namespace,
            "labels": labels,
            # A failed Job stays failed: on the next `pulumi up` replace it instead of waiting on it.
            "annotations": {
                "pulumi.com/replaceUnready": "true",
                workload.SKIP_SECRET_AS_ENV[0]: workload.SKIP_SECRET_AS_ENV[1],
            },
        },
        "spec": {
            "backoffLimit": BACKOFF_LIMIT,
            "activeDeadlineSeconds": ACTIVE_DEADLINE_SECONDS,
            "template": {
                "metadata": {"labels": {**pod_labels, MIGRATION_LABEL: job_name(spec, image, version)}},
                "spec": {
                    "restartPolicy": "Never",
                    "automountServiceAccountToken": False,
                    "securityContext": workload.pod_security_context(),
                    "containers": [container],
                    "volumes": [{"name": TMP_VOLUME, "emptyDir": {}}],
                },
            },
        },
    }


def build_migration_network_policy(spec: AppSpec, image: str, version: str) -> dict[str, Any]:
    """The Job's pod talks to cluster DNS and the database primary only, and accepts nothing."""
    name = job_name(spec, image, version)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": spec.namespace, "labels": migration_labels(spec, version)},
        "spec": {
            "podSelector": {"matchLabels": {MIGRATION_LABEL: name}},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [networking.dns_egress(), networking.database_egress(spec)],
        },
    }
