"""AppSpec: one app's identity and settings, so a stack can compose several apps."""

from __future__ import annotations

import pytest

from components.settings import ConfigError, app_spec
from tests.support.stacks import stack_settings


def test_the_stacks_app_by_default() -> None:
    spec = app_spec(stack_settings("prod"))
    assert (spec.name, spec.namespace, spec.instance) == ("web", "greenlight-prod", "web-prod")
    assert spec.is_prod and not spec.rolling
    assert spec.app.name == spec.name


def test_another_app_carries_its_own_identity_everywhere() -> None:
    spec = app_spec(stack_settings("prod"), name="api", namespace="api-prod")
    assert (spec.name, spec.namespace, spec.app.name, spec.instance) == ("api", "api-prod", "api", "api-prod")
    assert spec.team == "payments" and spec.environment == "prod"


@pytest.mark.parametrize(("name", "namespace", "key"), [("Api", None, "app.name"), (None, "api_prod", "namespace")])
def test_an_invalid_name_is_refused_with_the_key(name: str | None, namespace: str | None, key: str) -> None:
    with pytest.raises(ConfigError, match=f"greenlight:{key} = .* is not allowed; allowed: a DNS-1123 label"):
        app_spec(stack_settings("prod"), name=name, namespace=namespace)


def test_images_and_build_follow_the_strategy() -> None:
    rolling = app_spec(stack_settings("staging", "greenlight:release.strategy=rolling", "greenlight:app.image=build"))
    assert rolling.images() == ("build",) and rolling.builds_image
    prod = app_spec(stack_settings("prod"))
    assert len(prod.images()) == 2 and not prod.builds_image
