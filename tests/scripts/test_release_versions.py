"""A blue-green release must be newer than the live version: the program tells promotion from rollback by it."""

from __future__ import annotations

import pytest

from scripts import release
from scripts.release import Deployed, Track
from tests.support.fake_stack import FreeStack

DIGEST = "ghcr.io/acme/greenlight-web@sha256:" + "d" * 64
LIVE = Track(DIGEST, "1.5.0")


class RecordingStack(FreeStack):
    """Only what release_blue_green touches before its first change."""

    name = "prod"

    def __init__(self) -> None:
        self.changes: list[str] = []

    def strategy(self) -> str:
        return "blue-green"

    def repo_active_color(self) -> str:
        return "blue"

    def canary_steps(self) -> tuple[int, ...]:
        return (5, 25, 50, 100)

    def deployed(self) -> Deployed:
        return Deployed("blue", {"blue": LIVE}, None)

    def config_set(self, key: str, value: str) -> None:
        self.changes.append(f"set {key}={value}")

    def up(self) -> bool:
        self.changes.append("up")
        return True


@pytest.mark.parametrize(
    ("version", "reason"),
    [
        ("1.5.0", "version 1.5.0 is not newer than the live 1.5.0"),
        ("1.4.9", "version 1.4.9 is not newer than the live 1.5.0"),
        ("1.5.0-rc.1", "version 1.5.0-rc.1 is not newer than the live 1.5.0"),
        ("five", "not a semantic version: 'five'"),
    ],
)
def test_a_release_that_is_not_newer_changes_nothing(version: str, reason: str) -> None:
    stack, said = RecordingStack(), []
    assert release.release(stack, Track(DIGEST, version), lambda _: True, said.append) == 2
    assert stack.changes == [] and reason in said[-1] and "nothing was changed" in said[-1]


def test_a_newer_release_goes_ahead() -> None:
    stack = RecordingStack()
    assert release.release(stack, Track(DIGEST, "1.10.0"), lambda _: True, lambda _: None) == 0
    assert stack.changes[-1] == "up" and "set release.activeColor=green" in stack.changes
