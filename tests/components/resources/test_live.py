"""Reading the live Deployment: a read step after the managed Deployment's own step, by its namespace/name."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as k8s

from components.resources.live import observed_replicas


class ClusterMocks(pulumi.runtime.Mocks):
    """A cluster whose Deployment runs 7 replicas (an HPA scaled it); records registrations and reads in order."""

    def __init__(self) -> None:
        self.events: list[tuple[str, str, str]] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        if args.resource_id:  # Resource.get: a read
            self.events.append(("read", args.typ, args.resource_id))
            return args.resource_id, {"spec": {"replicas": 7}}
        self.events.append(("register", args.typ, args.name))
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], None]:
        return {}, None


MOCKS = ClusterMocks()


@pulumi.runtime.test
def test_the_live_replica_count_is_read_after_the_deployment_step() -> Any:
    pulumi.runtime.set_mocks(MOCKS, preview=False)
    parent = pulumi.ComponentResource("test:index:Release", "release")
    deployment = k8s.apps.v1.Deployment(
        "release-blue-deployment",
        metadata={"name": "web-blue", "namespace": "greenlight-prod"},
        spec={"selector": {"matchLabels": {"a": "b"}}, "template": {"metadata": {"labels": {"a": "b"}}}},
        opts=pulumi.ResourceOptions(parent=parent),
    )
    replicas = observed_replicas("release-blue-observed", "greenlight-prod", "web-blue", deployment, parent)

    def check(value: int | None) -> None:
        assert value == 7
        read = ("read", "kubernetes:apps/v1:Deployment", "greenlight-prod/web-blue")
        assert read in MOCKS.events
        registered = MOCKS.events.index(("register", "kubernetes:apps/v1:Deployment", "release-blue-deployment"))
        assert registered < MOCKS.events.index(read)

    return replicas.apply(check)
