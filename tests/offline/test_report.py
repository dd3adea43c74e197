"""The preview's last line says whether a policy pack judged the stack, never a pass nothing checked."""

from __future__ import annotations

import pytest

from offline.__main__ import main


def last_line(capsys: pytest.CaptureFixture[str]) -> str:
    return capsys.readouterr().out.rstrip().splitlines()[-1]


def test_without_a_pack_the_preview_says_nothing_was_checked(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["preview", "--stack", "dev"]) == 0
    line = last_line(capsys)
    assert line == "Policy violations: not checked, no policy pack (add --policy-pack policies)"
    assert "0 mandatory" not in line


def test_with_a_pack_the_preview_counts_and_names_it(capsys: pytest.CaptureFixture[str]) -> None:
    # dev's pack config makes every policy advisory: findings are counted but do not fail the preview.
    pack = ["--policy-pack", "policies", "--policy-pack-config", "policies/config/dev.json"]
    argv = ["preview", "--stack", "dev", *pack]
    assert main(argv) == 0
    line = last_line(capsys)
    assert line.startswith("Policy violations: 0 mandatory, ")
    assert line.endswith(" advisory (policy pack policies)")
