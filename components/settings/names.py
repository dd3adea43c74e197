"""The names greenlight derives from an app's name, and the limits each must keep.

Written here, in the settings layer, so that the settings can refuse an app name whose derived names
Kubernetes or CloudNativePG would refuse, before anything is created; components/contract.py
re-exports the ones other parts use.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from components.settings.grammar import COLORS, MAX_NAME

PREVIEW_SUFFIX = "-preview"
JOB_HASH_LENGTH = 8  # hex digits of the digest in a Job's name (what it migrates or promotes)
# CloudNativePG's admission webhook: "the maximum length of a cluster name is 50 characters"
# (its Services, Pods and PVCs add suffixes to it).
CNPG_MAX_CLUSTER_NAME = 50


def track_name(app: str, color: str | None) -> str:
    """`web` for the rolling track, `web-blue` / `web-green` for the release tracks (Deployment, Service...)."""
    return f"{app}-{color}" if color else app


def preview_service_name(app: str) -> str:
    return f"{app}{PREVIEW_SUFFIX}"


def database_cluster_name(app: str) -> str:
    """`<app>-db`; the app's NetworkPolicy allows egress to pods labelled cnpg.io/cluster=<this>."""
    return f"{app}-db"


def database_url_secret_name(app: str) -> str:
    return f"{database_cluster_name(app)}-url"


def migration_job_name(app: str, digest: str) -> str:
    return f"{app}-migrate-{digest[:JOB_HASH_LENGTH]}"


def gate_job_name(app: str, digest: str) -> str:
    return f"{app}-gate-{digest[:JOB_HASH_LENGTH]}"


def migration_instance(app: str, environment: str) -> str:
    """app.kubernetes.io/instance of a migration pod: never the app's own, so no Service selects it."""
    return f"{app}-migrate-{environment}"


def gate_instance(app: str, environment: str) -> str:
    return f"{app}-gate-{environment}"


class DerivedName(NamedTuple):
    what: str
    name: str
    limit: int


def derived_names(app: str, environment: str) -> Iterator[DerivedName]:
    """Every name built from the app name, with the longest its consumer allows."""
    longest_hash = "0" * JOB_HASH_LENGTH
    for color in COLORS:
        yield DerivedName("the color Service", track_name(app, color), MAX_NAME)
    yield DerivedName("the preview Service", preview_service_name(app), MAX_NAME)
    yield DerivedName("the CloudNativePG Cluster", database_cluster_name(app), CNPG_MAX_CLUSTER_NAME)
    # A Job's name becomes the value of its pods' job-name label: a label value, at most 63 characters.
    yield DerivedName("the migration Job", migration_job_name(app, longest_hash), MAX_NAME)
    yield DerivedName("the gate Job", gate_job_name(app, longest_hash), MAX_NAME)
    yield DerivedName("the migration pods' instance label", migration_instance(app, environment), MAX_NAME)
    yield DerivedName("the gate pods' instance label", gate_instance(app, environment), MAX_NAME)


# Variables greenlight itself sets in the app's environment (components/objects/workload.py config_env and
# the database URL from its Secret); a user's app.env must not override them.
MANAGED_ENV = frozenset(
    {
        "PORT",
        "SERVICE_NAME",
        "APP_VERSION",
        "LOG_LEVEL",
        "DRAIN_SECONDS",
        "DRAIN_DELAY_SECONDS",
        "DEPLOYMENT_COLOR",
        "DATABASE_URL",
    }
)

# Namespaces the platform pieces install operators into (components/objects/database.py): not for apps.
CNPG_OPERATOR_NAMESPACE = "cnpg-system"  # the namespace the CloudNativePG docs install into
OPERATOR_NAMESPACES = (CNPG_OPERATOR_NAMESPACE,)
