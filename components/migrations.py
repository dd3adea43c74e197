"""The schema migration Job: the app image run with `migrate` before a version takes traffic.

`build_migration_job` is pure (tests call it without an engine). `migration_job` registers it as a
`batch/v1` Job that depends on the database Cluster. Pulumi's Job await waits for the Complete
condition and fails at once on Failed, so a failed migration fails `pulumi up` and everything that
`depends_on` the Job (the new track's Deployment, the release gate, the Service switch) never runs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components import networking, workload
from components.database import DATABASE_URL_KEY
from components.labels import standard_labels
from components.settings import Settings

MIGRATE_ARGS = ["migrate"]  # app/Dockerfile: ENTRYPOINT python -m greenlight_app; `migrate` = alembic upgrade head
# One retry covers a primary failover during the run; migrations are idempotent (alembic + advisory lock).
BACKOFF_LIMIT = 1
ACTIVE_DEADLINE_SECONDS = 600
# No ttlSecondsAfterFinished, on purpose: Pulumi owns the Job's lifetime (a new image or version
# replaces it, deleting the old one). A TTL-deleted Job vanishes from the state on `pulumi refresh`,
# and the next `up` would re-run the older color's image against a schema already ahead of it.
# Pulumi's default Job timeout is 10 minutes: leave room for the deadline plus scheduling.
PULUMI_TIMEOUT = "15m"
HASH_LENGTH = 8
TMP_VOLUME = "tmp"
MIGRATION_COMPONENT = "migration"
# On the pod template (not the controller-set batch.kubernetes.io/job-name), so the NetworkPolicy's
# selector is visible in the manifest itself (checkov CKV2_K8S_6 and reviewers pair them by it).
MIGRATION_LABEL = "greenlight.dev/migration"


def migration_labels(settings: Settings, version: str) -> dict[str, str]:
    return standard_labels(settings, settings.app.name, MIGRATION_COMPONENT, version)


def migration_pod_labels(settings: Settings, version: str) -> dict[str, str]:
    """Its own `instance`: the app's Service, PDB and NetworkPolicy select name + instance and must
    never pick up this pod (a running Job pod counts as ready and would receive traffic)."""
    instance = f"{settings.app.name}-migrate-{settings.environment}"
    return {**migration_labels(settings, version), "app.kubernetes.io/instance": instance}


def job_name(settings: Settings, image: str, version: str) -> str:
    """`<app>-migrate-<hash>`: a new image or version is a new Job, so the migration runs again."""
    digest = hashlib.sha256(f"{image}|{version}".encode()).hexdigest()[:HASH_LENGTH]
    return f"{settings.app.name}-migrate-{digest}"


def build_migration_job(settings: Settings, image: str, version: str, db_url_secret_name: str) -> dict[str, Any]:
    """A batch/v1 Job running `image` with args ["migrate"], DATABASE_URL from the Secret."""
    labels = migration_labels(settings, version)
    pod_labels = migration_pod_labels(settings, version)
    container = {
        "name": "migrate",
        "image": image,
        "args": MIGRATE_ARGS,
        "env": [
            {
                "name": "DATABASE_URL",
                "valueFrom": {"secretKeyRef": {"name": db_url_secret_name, "key": DATABASE_URL_KEY}},
            },
            {"name": "APP_VERSION", "value": version},
        ],
        "resources": workload.resources(settings),
        "securityContext": workload.container_security_context(),
        "volumeMounts": [{"name": TMP_VOLUME, "mountPath": "/tmp"}],  # noqa: S108 (an emptyDir, not shared)
    }
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {
            "name": job_name(settings, image, version),
            "namespace": settings.app_namespace,
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
                "metadata": {"labels": {**pod_labels, MIGRATION_LABEL: job_name(settings, image, version)}},
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


def build_migration_network_policy(settings: Settings, image: str, version: str) -> dict[str, Any]:
    """The Job's pod talks to cluster DNS and the database primary only, and accepts nothing."""
    name = job_name(settings, image, version)
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {"name": name, "namespace": settings.app_namespace, "labels": migration_labels(settings, version)},
        "spec": {
            "podSelector": {"matchLabels": {MIGRATION_LABEL: name}},
            "policyTypes": ["Ingress", "Egress"],
            "egress": [networking.dns_egress(), networking.database_egress(settings)],
        },
    }


def migration_job(
    name: str,
    settings: Settings,
    image: pulumi.Input[str],
    version: str,
    db_url_secret_name: str,
    depends_on: Sequence[pulumi.Resource],
    parent: pulumi.Resource | None = None,
) -> k8s.batch.v1.Job:
    """Registers the Job after `depends_on` (the Database's cluster and URL Secret); returns it.

    `image` may be an Output (an image built by this stack). The Pulumi name stays `name`; the
    Kubernetes name changes with image and version, which replaces the Job and reruns the migration.
    """
    resolved = pulumi.Output.from_input(image)
    job = resolved.apply(lambda img: build_migration_job(settings, img, version, db_url_secret_name))
    policy = resolved.apply(lambda img: build_migration_network_policy(settings, img, version))
    # The policy first: the pod must reach DNS and PostgreSQL when the namespace denies by default.
    network_policy = k8s.networking.v1.NetworkPolicy(
        f"{name}-networkpolicy",
        metadata=policy.apply(lambda p: p["metadata"]),
        spec=policy.apply(lambda p: p["spec"]),
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )
    return k8s.batch.v1.Job(
        name,
        metadata=job.apply(lambda j: j["metadata"]),
        spec=job.apply(lambda j: j["spec"]),
        opts=pulumi.ResourceOptions(
            parent=parent,
            depends_on=[*depends_on, network_policy],
            custom_timeouts=pulumi.CustomTimeouts(create=PULUMI_TIMEOUT, update=PULUMI_TIMEOUT),
        ),
    )
