"""Locate external tools; skip when missing locally, fail when missing in CI.

CI sets CI=true: there a missing tool is a broken environment, and a silently skipped test
would let the pipeline go green without checking anything.
"""

from __future__ import annotations

import glob
import os
import re
import shutil

import pytest


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("1", "true", "yes")


def missing_tool(reason: str) -> None:
    """Skip the test (locally) or fail it (CI) with `reason`; never returns."""
    if in_ci():
        pytest.fail(f"{reason} (CI=true: required tools must be installed)", pytrace=False)
    pytest.skip(reason)


def _natural_key(path: str) -> list[object]:
    """Sort "postgresql/9/bin" before "postgresql/15/bin"."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", path)]


def require_tool(name_or_path: str) -> str:
    """Absolute path of an executable given by name (looked up on PATH) or by path/glob.

    Globs let callers name versioned locations, e.g. "/usr/lib/postgresql/*/bin/initdb";
    the highest match wins.
    """
    if os.sep in name_or_path:
        matches = sorted(glob.glob(name_or_path), key=_natural_key) if glob.has_magic(name_or_path) else [name_or_path]
        for candidate in reversed(matches):
            if os.path.isfile(candidate) and os.access(candidate, os.X_OK):
                return candidate
    else:
        found = shutil.which(name_or_path)
        if found:
            return found
    missing_tool(f"required tool not found: {name_or_path}")
    raise AssertionError("unreachable")  # pytest.skip/fail raise; keeps type checkers happy
