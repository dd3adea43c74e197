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

from offline.analyzer import PolicyPack
from offline.pack_stream import StreamWhileRunning, run_pack
from offline.stackconfig import load
from offline.states import capture
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


def _config_file(config: str, tmp_path: Path) -> Path:
    if config != "strict":
        return CONFIGS / f"{config}.json"
    strict = tmp_path / "strict.json"
    strict.write_text(json.dumps(STRICT))
    return strict


@pytest.mark.parametrize(("label", "cwd", "stack", "overrides", "config"), PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_run_pack_answers_as_recorded(
    label: str, cwd: Path, stack: str, overrides: tuple[str, ...], config: str, tmp_path: Path
) -> None:
    """run_pack over a finished program's resources (calls pipelined, inputs encoded once)."""
    stack_config = load(cwd, stack, list(overrides))
    violations, remediations, _ = run_pack(
        PolicyPack(POLICIES, connect=False),
        _config_file(config, tmp_path),
        stack_config,
        previewed(cwd, stack, overrides),
    )
    assert answer(violations, remediations, short_urns=True) == recorded()[label]


@pytest.mark.parametrize(("label", "cwd", "stack", "overrides", "config"), PROGRAMS, ids=[p[0] for p in PROGRAMS])
def test_the_preview_path_answers_as_recorded(
    label: str, cwd: Path, stack: str, overrides: tuple[str, ...], config: str, tmp_path: Path
) -> None:
    """`python -m offline preview`: the pack analyzes each resource while the program is still registering."""
    with PolicyPack(POLICIES, connect=False) as pack:
        analysis = StreamWhileRunning(pack, _config_file(config, tmp_path))
        try:
            _, resources = capture(cwd, stack, list(overrides), None, analysis)
            violations, remediations, _ = analysis.finish(resources)
        finally:
            analysis.stop()
    assert answer(violations, remediations, short_urns=True) == recorded()[label]


def test_the_recording_holds_findings_of_every_policy() -> None:
    """A recording of empty answers would compare nothing: every policy must have spoken in it."""
    from greenlight_policies import all_policies

    spoken = {v[0] for a in recorded().values() for v in a["violations"]}
    spoken |= {r[0] for a in recorded().values() for r in a["remediations"]}
    assert spoken == {p.name for p in all_policies()}
