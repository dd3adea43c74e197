"""Settings of the app itself: image, port, replicas, resources, autoscaling, ingress, environment."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from components.settings.fields import setting
from components.settings.grammar import (
    CPU_ALLOWED,
    DNS_1035_LABEL,
    DNS_LABEL,
    DNS_NAME,
    IMAGE,
    MEMORY_ALLOWED,
    REGISTRY,
    SEMVER,
    between,
    cpu_ok,
    image_ok,
    matches,
    memory_ok,
    one_of,
)


@dataclass(frozen=True)
class Resources:
    cpu_request: str = setting("100m", check=cpu_ok, allowed=CPU_ALLOWED, doc="CPU request")
    cpu_limit: str = setting("500m", check=cpu_ok, allowed=CPU_ALLOWED, doc="CPU limit")
    memory_request: str = setting("128Mi", check=memory_ok, allowed=MEMORY_ALLOWED, doc="memory request")
    memory_limit: str = setting("256Mi", check=memory_ok, allowed=MEMORY_ALLOWED, doc="memory limit")


@dataclass(frozen=True)
class Autoscaling:
    enabled: bool = setting(False, env_default={"staging": True, "prod": True}, doc="create an HPA")
    min_replicas: int = setting(
        1,
        check=between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="HPA minimum",
    )
    max_replicas: int = setting(
        3,
        check=between(1, 500),
        allowed="an integer from 1 to 500",
        env_default={"staging": 4, "prod": 10},
        doc="HPA maximum",
    )
    target_cpu_utilization: int = setting(
        70, check=between(10, 100), allowed="a percentage from 10 to 100", doc="HPA CPU target"
    )


@dataclass(frozen=True)
class Ingress:
    enabled: bool = setting(False, doc="expose the active Service through an Ingress with TLS")
    host: str = setting("", check=matches(DNS_NAME, True), allowed="a DNS name", doc="host name")
    class_name: str = setting(
        "nginx", check=matches(DNS_NAME), allowed="an IngressClass name (a DNS subdomain)", doc="IngressClass name"
    )
    tls_secret_name: str = setting(
        "", check=matches(DNS_NAME, True), allowed="a Secret name", doc="TLS Secret (cert-manager)"
    )
    source_namespace: str = setting(
        "ingress-nginx",
        check=matches(DNS_LABEL),
        allowed="a namespace name (a DNS-1123 label)",
        doc="namespace of the ingress controller allowed in by the NetworkPolicy",
    )
    cluster_issuer: str = setting(
        "",
        check=matches(DNS_NAME, True),
        allowed="a ClusterIssuer name",
        doc="cert-manager ClusterIssuer that issues tlsSecretName (empty: the Secret is yours to provide)",
    )


@dataclass(frozen=True)
class AppSettings:
    name: str = setting(
        "web",
        check=matches(DNS_1035_LABEL),
        allowed="a DNS-1035 label (lowercase letters, digits and '-', starting with a letter: it names Services)",
        doc="app name",
    )
    image: str = setting(
        "",
        check=image_ok,
        allowed="an image reference (registry/name@sha256:<digest>) or 'build'",
        doc="image of the rolling track; 'build' uses the image built from app/",
    )
    version: str = setting(
        "1.0.0",
        check=matches(SEMVER),
        allowed="a semantic version such as 1.4.2",
        doc="app.kubernetes.io/version of the rolling track",
    )
    port: int = setting(8080, check=between(1024, 65535), allowed="a port from 1024 to 65535", doc="container port")
    replicas: int = setting(
        1,
        check=between(1, 100),
        allowed="an integer from 1 to 100",
        env_default={"staging": 2, "prod": 3},
        doc="replicas when autoscaling is off",
    )
    drain_seconds: int = setting(
        20,
        check=between(1, 300),
        allowed="seconds from 1 to 300",
        doc="time a pod keeps serving after SIGTERM; preStop and grace period cover it",
    )
    resources: Resources = setting(Resources())
    autoscaling: Autoscaling = setting(Autoscaling())
    ingress: Ingress = setting(Ingress())
    env: Mapping[str, str] = setting(
        {},
        allowed="a map of environment variables (names like LOG_FORMAT; no credentials, none greenlight sets)",
        doc="extra environment variables",
    )


@dataclass(frozen=True)
class ImageBuild:
    registry: str = setting(
        "ghcr.io",
        check=matches(REGISTRY),
        allowed="a registry host[:port] such as ghcr.io (no scheme, no path)",
        doc="registry server the built image is pushed to",
    )
    repository: str = setting(
        "acme/greenlight-web",
        check=matches(IMAGE),
        allowed="a repository path",
        doc="repository under the registry",
    )
    username: str = setting("", doc="registry user; the password is greenlight:registryPassword")
    platform: str = setting(
        "linux/amd64",
        check=one_of("linux/amd64", "linux/arm64"),
        allowed="linux/amd64 or linux/arm64",
        doc="target platform",
    )
