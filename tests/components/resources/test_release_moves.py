"""Changing `release.strategy` keeps every Kubernetes object that survives under the same Pulumi identity.

The engine matches a registration to the deployed state by URN or by one of its aliases. An object in
both renders that is registered under a new URN without an alias to the old one would be a create
(pulumi-kubernetes: AlreadyExists; with upserts, adopted and then deleted with the old URN at the end).
"""

from __future__ import annotations

from typing import Any

import pytest

from offline import urns
from offline.monitor import Resource
from tests.support.preview import Preview, preview

STRATEGY = "greenlight:release.strategy"
# The image dev runs and prod's blue color runs: the same migration Job under either strategy.
IMAGE = "ghcr.io/acme/greenlight-web:1.4.2@sha256:3f1c9a6e2b7d4c8f0a5e9d1b6c2f7a8e4d0b9c3a5f6e1d2c7b8a9f0e1d2c3b4a"
ROLLING = (f"{STRATEGY}=rolling", f"greenlight:app.image={IMAGE}", "greenlight:app.version=1.4.2")
BLUE_GREEN = (
    f"{STRATEGY}=blue-green",
    f"greenlight:release.blue.image={IMAGE}",
    "greenlight:release.blue.version=1.4.2",
    f"greenlight:release.green.image={IMAGE}",
    "greenlight:release.green.version=1.4.2",
)
CANARY = (f"{STRATEGY}=canary", "greenlight:release.canaryWeight=10")
# (stack, overrides before, overrides after)
SWITCHES = {
    "dev rolling -> blue-green": ("dev", (), BLUE_GREEN),
    "dev blue-green -> rolling": ("dev", BLUE_GREEN, ()),
    "prod blue-green -> rolling": ("prod", (), ROLLING),
    "prod rolling -> blue-green": ("prod", ROLLING, ()),
    "prod blue-green -> canary": ("prod", (), CANARY),
    "prod canary -> blue-green": ("prod", CANARY, ()),
    "prod rolling -> canary": ("prod", ROLLING, CANARY),
}


def objects(p: Preview) -> dict[tuple[str, str, str], Resource]:
    """Kubernetes objects by (kind, namespace, name) -> their registration."""
    out = {}
    for r in p.resources:
        if r.type.startswith("kubernetes:") and r.custom and "metadata" in r.inputs:
            meta = r.inputs["metadata"]
            out[(r.inputs.get("kind", r.type), meta.get("namespace", ""), meta["name"])] = r
    return out


def alias_urns(r: Resource) -> set[str]:
    """The URNs the engine would match `r` to: its own and its aliases' (offline/urns.py, the engine's rules)."""
    return set(urns.candidates(r.urn, r.parent, r.aliases, {}))


def survivors(before: Preview, after: Preview) -> list[tuple[Any, Resource, Resource]]:
    old, new = objects(before), objects(after)
    return [(key, old[key], new[key]) for key in sorted(old.keys() & new.keys(), key=str)]


@pytest.mark.parametrize("switch", sorted(SWITCHES))
def test_objects_that_survive_a_strategy_change_keep_their_identity(switch: str) -> None:
    stack, before_overrides, after_overrides = SWITCHES[switch]
    before, after = preview(stack, *before_overrides), preview(stack, *after_overrides)
    kept = survivors(before, after)
    assert kept, "the two strategies share no object: nothing to check"
    lost = [
        f"{key}: {old.urn} not among {sorted(alias_urns(new))}"
        for key, old, new in kept
        if old.urn not in alias_urns(new)
    ]
    assert lost == []


def test_the_shared_objects_are_the_ones_a_user_relies_on() -> None:
    before, after = preview("prod", *ROLLING), preview("prod")
    kinds = {(key[0], key[2]) for key, _, _ in survivors(before, after)}
    expected = {"ServiceAccount", "NetworkPolicy", "ServiceMonitor", "Service", "Ingress"}
    assert {(kind, "web") for kind in expected} <= kinds
    # the rolling image is blue's: its migration Job (and the Job's NetworkPolicy) is the same object
    assert {kind for kind, name in kinds if name.startswith("web-migrate-")} == {"Job", "NetworkPolicy"}
    moved = {key[0] for key, old, new in survivors(before, after) if old.urn != new.urn}
    assert expected <= moved  # they changed component: the aliases are what keeps them


def test_each_object_is_registered_once_whatever_the_strategy() -> None:
    for overrides in ((), ROLLING, CANARY):
        registrations = [key for key in objects(preview("prod", *overrides))]
        assert len(registrations) == len(set(registrations)), overrides
