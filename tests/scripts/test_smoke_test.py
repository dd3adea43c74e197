"""The post-promotion smoke test tells versions apart, against the real reference service (gunicorn)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from scripts import smoke_test
from tests.support.app_server import ServiceProcess


@pytest.fixture(scope="module")
def old_version() -> Iterator[ServiceProcess]:
    """What answers when the switch did not happen (or went back): the previous version."""
    with ServiceProcess({"APP_VERSION": "1.5.0"}) as service:
        service.wait_ready()
        yield service


def url(service: ServiceProcess) -> str:
    return f"http://127.0.0.1:{service.port}"


def test_the_new_version_passes(old_version: ServiceProcess) -> None:
    assert smoke_test.run(url(old_version), smoke_test.DEFAULT_PATHS, attempts=1, expect_version="1.5.0")


def test_the_old_version_answering_fails_every_path(
    old_version: ServiceProcess, capsys: pytest.CaptureFixture[str]
) -> None:
    naps: list[float] = []
    passed = smoke_test.run(
        url(old_version), smoke_test.DEFAULT_PATHS, attempts=2, interval=0.1, expect_version="1.6.0", sleep=naps.append
    )
    assert not passed
    out = capsys.readouterr().out
    assert out.count("FAIL") == 2 and "version 1.5.0" in out and "(body: 1.5.0)" in out
    assert naps == [0.1, 0.1]  # bounded: one pause between the two attempts of each path


def test_an_answer_that_names_no_version_cannot_prove_the_new_one() -> None:
    assert not smoke_test.Probe(200, None, "ok").versions_match("1.6.0")
    assert not smoke_test.Probe(200, "1.6.0", "ok", body_version="1.5.0").versions_match("1.6.0")
    assert smoke_test.Probe(200, "1.6.0", "ok", body_version="1.6.0").versions_match("1.6.0")
    assert smoke_test.Probe(200, None, "ok").versions_match(None)  # without --expect-version, status only
