"""The pure builders, called without an engine: the behaviours the release tracks reuse, and the image build."""

from __future__ import annotations

import dataclasses

from components.objects import networking, workload
from components.objects.plan import Track
from components.settings import AppSpec, app_spec, parse
from tests.support.preview import preview

BASE = {
    "greenlight:environment": "dev",
    "greenlight:team": "payments",
    "greenlight:costCenter": "cc-1042",
    "greenlight:app": {"image": "ghcr.io/acme/web@sha256:" + "a" * 64},
    "greenlight:monitoring": {"enabled": False},
    "greenlight:databasePassword": "pw",
}
IMAGE = "ghcr.io/acme/web@sha256:" + "b" * 64


def settings(**app: object) -> AppSpec:
    raw = dict(BASE)
    raw["greenlight:app"] = {**BASE["greenlight:app"], **app}  # type: ignore[dict-item]
    return app_spec(parse(raw, "dev", {"greenlight:databasePassword"}))


def track(color: str | None = None, version: str = "1.0.0", replicas: int | None = 1) -> Track:
    return Track(f"web-{color}" if color else "web", color, IMAGE, version, replicas)


def test_changing_config_changes_the_pod_template_checksum() -> None:
    before = workload.build_deployment(settings(), track())
    after = workload.build_deployment(settings(env={"FEATURE_X": "on"}), track())
    key = workload.CONFIG_CHECKSUM_ANNOTATION
    assert (
        before["spec"]["template"]["metadata"]["annotations"][key]
        != (after["spec"]["template"]["metadata"]["annotations"][key])
    )


def test_replicas_omitted_when_the_hpa_owns_them() -> None:
    assert "replicas" not in workload.build_deployment(settings(), track(replicas=None))["spec"]
    assert workload.build_deployment(settings(), track(replicas=0))["spec"]["replicas"] == 0


def test_grace_period_grows_with_the_drain_time() -> None:
    short, long = settings(drainSeconds=5), settings(drainSeconds=120)
    assert workload.termination_grace_seconds(long) - workload.termination_grace_seconds(short) == 115
    pod = workload.build_deployment(long, track())["spec"]["template"]["spec"]
    assert pod["terminationGracePeriodSeconds"] > 120 + workload.PRESTOP_SLEEP_SECONDS


def test_a_color_track_is_named_labelled_and_selected_by_color() -> None:
    s = settings()
    blue_track = track("blue", "2.0.0", 3)
    blue = workload.build_deployment(s, blue_track)
    assert blue["metadata"]["name"] == "web-blue"
    assert blue["spec"]["selector"]["matchLabels"]["greenlight.dev/color"] == "blue"
    assert blue["spec"]["template"]["metadata"]["labels"]["greenlight.dev/color"] == "blue"
    assert blue["spec"]["template"]["metadata"]["labels"]["app.kubernetes.io/version"] == "2.0.0"
    container = blue["spec"]["template"]["spec"]["containers"][0]
    assert container["envFrom"] == [{"configMapRef": {"name": "web-blue-config"}}]
    assert workload.build_config_map(s, blue_track)["data"]["APP_VERSION"] == "2.0.0"
    assert workload.build_hpa(s, blue_track)["spec"]["scaleTargetRef"]["name"] == "web-blue"


def test_network_policy_without_database_has_only_dns_egress() -> None:
    s = settings()
    s = dataclasses.replace(s, database=dataclasses.replace(s.database, enabled=False))
    (dns,) = networking.build_network_policy(s)["spec"]["egress"]
    assert dns["to"][0]["namespaceSelector"]["matchLabels"] == {"kubernetes.io/metadata.name": "kube-system"}
    pod = workload.build_deployment(s, track())["spec"]["template"]["spec"]
    assert pod["containers"][0]["env"] == []


def test_built_image_feeds_the_deployment_by_digest() -> None:
    """staging builds app/ (image 'build'): the Deployment runs the pushed digest, credentials stay secret."""
    p = preview("staging", "greenlight:release.strategy=rolling", "greenlight:app.image=build")
    (image,) = p.of_type("docker:index/image:Image")
    assert image.inputs["build"]["context"] == "app"
    assert image.inputs["build"]["dockerfile"] == "app/Dockerfile"
    assert image.inputs["build"]["platform"] == "linux/amd64"
    from offline.engine import is_secret, plain, unwrap_secret

    # the password makes the whole registry block a secret: nothing of it reaches state in plaintext
    assert is_secret(image.inputs["registry"])
    registry = unwrap_secret(image.inputs["registry"])
    assert (registry["server"], registry["username"]) == ("ghcr.io", "greenlight-ci")
    assert plain(image.inputs)["registry"]["password"] == "[secret]"  # noqa: S105 - the redaction marker
    container = p.manifest("Deployment", "web")["spec"]["template"]["spec"]["containers"][0]
    assert container["image"].startswith("ghcr.io/acme/greenlight-web@sha256:")  # the mock's repoDigest
    (component,) = p.of_type("greenlight:index:AppDeployment")
    assert component.outputs["image"] == container["image"]
    assert image.parent == component.urn
