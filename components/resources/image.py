"""The app image built from app/ with pulumi-docker, referenced by its registry digest.

A stack names each track's image either as a prebuilt reference pinned by digest (dev and prod)
or as `build`: then this module builds app/Dockerfile, pushes it with the stack's registry
credentials (the password stays a Pulumi secret) and hands the workload `repo_digest`
(`registry/repo@sha256:...`), so pods never run a mutable tag.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import pulumi

if TYPE_CHECKING:  # imported where an image is built: most stacks pin images, and the import takes 0.2 s
    import pulumi_docker as docker

from components.objects.plan import Track
from components.settings import BUILD, AppSpec

# Paths are relative to the Pulumi project directory (where Pulumi.yaml lives), as `pulumi up` runs there.
BUILD_CONTEXT = "app"
DOCKERFILE = str(Path(BUILD_CONTEXT) / "Dockerfile")


def image_name(spec: AppSpec, tag: str) -> str:
    """`registry/repository:tag`; the tag is informational, the digest is what pods pull."""
    return f"{spec.image_build.registry}/{spec.image_build.repository}:{tag}"


def build_image(name: str, spec: AppSpec, tag: str, opts: pulumi.ResourceOptions | None = None) -> docker.Image:
    import pulumi_docker as docker  # here, not at the top: see the TYPE_CHECKING import

    build = spec.image_build
    password = spec.registry_password.output() if spec.registry_password else None
    return docker.Image(
        name,
        image_name=image_name(spec, tag),
        build=docker.DockerBuildArgs(context=BUILD_CONTEXT, dockerfile=DOCKERFILE, platform=build.platform),
        registry=docker.RegistryArgs(server=build.registry, username=build.username, password=password),
        opts=opts,
    )


class ImageResolver:
    """Turns an image setting into what a container's `image` field takes.

    Builds at most once per component even when several tracks say `build`.
    """

    def __init__(self, name: str, spec: AppSpec, parent: pulumi.Resource) -> None:
        self._name = name
        self._spec = spec
        self._parent = parent
        self.built: docker.Image | None = None

    def resolve(self, configured: str, version: str) -> Any:
        if configured != BUILD:
            return configured
        if self.built is None:
            self.built = build_image(
                f"{self._name}-image", self._spec, version, pulumi.ResourceOptions(parent=self._parent)
            )
        return self.built.repo_digest

    def resolve_track(self, track: Track) -> Track:
        """The track with its image as the container's `image` field takes it."""
        return track.with_image(self.resolve(track.image, track.version))
