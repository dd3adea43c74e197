"""Registers the schema migration Job of a track's image (components/objects/migration.py builds it).

The Pulumi name stays put; the Kubernetes name changes with image and version, which replaces the
Job and reruns the migration. Every Deployment that runs the image waits for its migration.
"""

from __future__ import annotations

from collections.abc import Sequence

import pulumi

from components.objects import migration
from components.objects.plan import Track
from components.resources.moves import Counterpart
from components.resources.register import child_opts, register, split
from components.settings import AppSpec


def migration_job(
    name: str,
    spec: AppSpec,
    track: Track,
    after: Sequence[pulumi.Resource],
    parent: pulumi.Resource,
    moved_from: Counterpart | None = None,
    moved_role: str = "",
) -> pulumi.Resource:
    """Registers the Job (and first its NetworkPolicy) after `after` (the database Cluster and URL Secret).

    `track.image` may be an Output (an image built by this stack). `moved_from`/`moved_role`: the same
    Job's identity under the other release strategy (components/resources/moves.py).
    """

    def aliases(suffix: str) -> list[pulumi.Alias]:
        return moved_from.alias(moved_role + suffix) if moved_from else []

    image = pulumi.Output.from_input(track.image)
    job = image.apply(lambda ref: migration.build_migration_job(spec, ref, track.version))
    policy = image.apply(lambda ref: migration.build_migration_network_policy(spec, ref, track.version))
    # The policy first: the pod must reach DNS and PostgreSQL when the namespace denies by default.
    network_policy = register(
        f"{name}-networkpolicy",
        split(policy, "networking.k8s.io/v1", "NetworkPolicy"),
        child_opts(parent, after, aliases=aliases("-networkpolicy")),
    )
    timeouts = pulumi.CustomTimeouts(create=migration.PULUMI_TIMEOUT, update=migration.PULUMI_TIMEOUT)
    opts = child_opts(parent, [*after, network_policy], custom_timeouts=timeouts, aliases=aliases(""))
    return register(name, split(job, "batch/v1", "Job"), opts)
