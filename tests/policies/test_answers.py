"""The pack answers exactly as it did before it was made faster (tests/fixtures/pack_answers.json).

The fixture was recorded by the pack as it was then (`python -m tests.support.pack_answers --write`): every
policy case, the compliant fixture stack under each environment, and whole programs (this repository's
stacks and the non-compliant example) through the real pack process and the analyzer protocol.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from offline.analyzer import PolicyPack, run_pack
from offline.stackconfig import load
from tests.support.pack_answers import CONFIGS, FIXTURE, POLICIES, PROGRAMS, STRICT, answer, collect, previewed


@pytest.fixture(scope="module")
def answers(tmp_path_factory: pytest.TempPathFactory) -> dict[str, dict[str, Any]]:
    strict = tmp_path_factory.mktemp("pack-answers") / "strict.json"
    strict.write_text(json.dumps(STRICT))
    return collect(strict)


def recorded() -> dict[str, dict[str, Any]]:
    data: dict[str, dict[str, Any]] = json.loads(Path(FIXTURE).read_text())
    return data


def test_the_same_questions_are_asked(answers: dict[str, dict[str, Any]]) -> None:
    assert sorted(answers) == sorted(recorded())


@pytest.mark.parametrize("label", sorted(recorded()))
def test_the_pack_answers_as_recorded(answers: dict[str, dict[str, Any]], label: str) -> None:
    assert answers.get(label) == recorded()[label]


@pytest.mark.parametrize(("label", "cwd", "stack", "overrides", "config"), PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_the_preview_path_answers_as_recorded(
    label: str, cwd: Path, stack: str, overrides: tuple[str, ...], config: str, tmp_path: Path
) -> None:
    """`python -m offline preview` drives the pack through run_pack (calls pipelined, inputs encoded once)."""
    config_file = CONFIGS / f"{config}.json"
    if config == "strict":
        config_file = tmp_path / "strict.json"
        config_file.write_text(json.dumps(STRICT))
    stack_config = load(cwd, stack, list(overrides))
    violations, remediations, _ = run_pack(
        PolicyPack(POLICIES, connect=False), config_file, stack_config, previewed(cwd, stack, overrides)
    )
    assert answer(violations, remediations, short_urns=True) == recorded()[label]


def test_the_recording_holds_findings_of_every_policy() -> None:
    """A recording of empty answers would compare nothing: every policy must have spoken in it."""
    from greenlight_policies import all_policies

    spoken = {v[0] for a in recorded().values() for v in a["violations"]}
    spoken |= {r[0] for a in recorded().values() for r in a["remediations"]}
    assert spoken == {p.name for p in all_policies()}
