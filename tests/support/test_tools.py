"""require_tool: skip locally, fail under CI=true, return the path when the tool exists."""

from __future__ import annotations

import sys

import pytest

from tests.support.tools import require_tool

MISSING = "/nonexistent/greenlight-tool-*/bin/tool"


def test_found_by_name_and_by_path() -> None:
    assert require_tool("sh").endswith("/sh")
    assert require_tool(sys.executable) == sys.executable


def test_missing_tool_skips_locally(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="required tool not found"):
        require_tool(MISSING)


def test_missing_tool_fails_in_ci(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true"):
        require_tool("greenlight-no-such-tool")
