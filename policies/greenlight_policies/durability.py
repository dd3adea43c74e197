"""Checklist: backup and disaster recovery. Databases are backed up on a schedule; stateful objects
are protected from `pulumi destroy` and renames (resource option protect=true) in prod.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.registry import ENVIRONMENT_PROPERTY, Finding, Meta, is_prod, resource_policy, stack_policy
from greenlight_policies.stackview import Obj, Stack

CNPG_GROUP = "postgresql.cnpg.io"
VELERO_GROUP = "velero.io"
BACKUP_ANNOTATION = "greenlight.dev/backup"  # names the out-of-band backup of a StatefulSet's volumes
# (kind, API group or "" for any) of objects whose deletion loses data.
STATEFUL_KINDS = (("Cluster", CNPG_GROUP), ("StatefulSet", "apps"), ("PersistentVolumeClaim", "core"))


def _velero_covers(stack: Stack, namespace: str) -> bool:
    for schedule in stack.kind("Schedule", group=VELERO_GROUP):
        included = (schedule.spec.get("template") or {}).get("includedNamespaces") or []
        if "*" in included or namespace in included:
            return True
    return False


def unbacked_data(args: StackValidationArgs, config: Mapping[str, Any]) -> Iterator[Finding]:
    if not is_prod(config):
        return
    stack = Stack.of(args)
    for cluster in stack.kind("Cluster", group=CNPG_GROUP):
        if not (cluster.spec.get("backup") or {}) and not cluster.spec.get("plugins"):
            yield (
                f"Cluster {cluster.name}: configure spec.backup (barmanObjectStore: WAL archiving to object storage; "
                "greenlight:database.backup.enabled).",
                cluster.urn,
            )
        schedules = [
            s
            for s in stack.kind("ScheduledBackup", group=CNPG_GROUP)
            if (s.spec.get("cluster") or {}).get("name") == cluster.name and s.namespace == cluster.namespace
        ]
        if not schedules:
            yield (
                f"Cluster {cluster.name}: add a ScheduledBackup for it (greenlight:database.backup.schedule); WAL "
                "alone cannot restore without a base backup.",
                cluster.urn,
            )
    for sts in stack.kind("StatefulSet"):
        if not sts.props.get("metadata", {}).get("annotations", {}).get(BACKUP_ANNOTATION) and not _velero_covers(
            stack, sts.namespace
        ):
            yield (
                f"StatefulSet {sts.name}: back up its volumes (a Velero Schedule including namespace {sts.namespace}) "
                f"or annotate it {BACKUP_ANNOTATION} with where its backups go.",
                sts.urn,
            )


def unprotected_state(resource: Obj, config: Mapping[str, Any]) -> Iterator[str]:
    if not is_prod(config):
        return
    kind, group = resource.kind, resource.group
    if (kind, group) in STATEFUL_KINDS and not resource.protect:
        name = resource.resource_name
        yield f"{kind} {name}: set the resource option protect=True (and retain_on_delete=True) in prod."


POLICIES = [
    stack_policy(
        Meta(
            "backups-scheduled",
            "Checks that every prod database and stateful workload has backups on a schedule.",
            Severity.CRITICAL,
            "Enable greenlight:database.backup (destinationPath, schedule, "
            "retention): the Database component adds spec.backup and a ScheduledBackup. Back up other "
            f"StatefulSets with a Velero Schedule or document them with the {BACKUP_ANNOTATION} annotation.",
            ENVIRONMENT_PROPERTY,
        ),
        unbacked_data,
    ),
    resource_policy(
        Meta(
            "stateful-protected",
            "Checks that prod databases, StatefulSets and volume claims are protected from deletion.",
            Severity.HIGH,
            "Register them with pulumi.ResourceOptions(protect=True, "
            "retain_on_delete=True) in prod; unprotect explicitly before an intended delete.",
            ENVIRONMENT_PROPERTY,
        ),
        unprotected_state,
    ),
]
