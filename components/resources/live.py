"""Reading the cluster's live state during `pulumi preview` and `pulumi up`.

A promotion must size the target color by what the live color runs *now* (its HPA moves
`spec.replicas` between updates; the stack's state only holds the value of the last update), so the
program reads the live Deployment (`register.read`, the request `Deployment.get` sends: a read step; the
engine reads the object in previews too and records it as an external resource, it never changes or
deletes it).

The read's id is derived from the managed Deployment's own id: the read therefore runs only after
that Deployment's step, so on a new stack it cannot look for an object that does not exist yet (in a
preview the id is unknown and the engine skips the read: the value shows as unknown).
"""

from __future__ import annotations

from typing import Any

import pulumi

from components.resources.register import read


def observed_replicas(
    name: str, namespace: str, deployment_name: str, deployment: pulumi.Resource, parent: pulumi.Resource
) -> pulumi.Output[int | None]:
    """`spec.replicas` of the live Deployment `namespace/deployment_name` (None when it reports none)."""
    managed_id: pulumi.Output[Any] = deployment.id  # type: ignore[attr-defined]
    live_id = managed_id.apply(lambda _: f"{namespace}/{deployment_name}")
    live = read(name, "apps/v1", "Deployment", live_id, pulumi.ResourceOptions(parent=parent))
    spec: pulumi.Output[dict[str, Any] | None] = live.spec  # type: ignore[attr-defined]
    return spec.apply(lambda s: s.get("replicas") if s else None)
