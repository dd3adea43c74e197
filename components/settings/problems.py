"""One way to say what is wrong with a setting: the key, the value, what is allowed.

Every settings error in greenlight is built here, so messages read the same whether a field check,
a cross-field rule or the reader found the problem. ``ConfigError`` carries them all at once,
raised before any resource is registered.
"""

from __future__ import annotations

import json
from typing import Any

NAMESPACE = "greenlight"  # the Pulumi config namespace of every setting
SECRET_SHOWN = "[secret]"  # noqa: S105 - the redaction marker, not a password


class ConfigError(Exception):
    """Raised before any resource is registered; every line names file, key, value, allowed."""

    def __init__(self, stack_file: str, problems: list[str]) -> None:
        self.stack_file = stack_file
        self.problems = problems
        lines = "\n".join(f"  - {p}" for p in problems)
        super().__init__(f"invalid settings in {stack_file}:\n{lines}")


def problem(key: str, value: Any, allowed: str, *, secret: bool = False) -> str:
    """`greenlight:<key> = <value> is not allowed; allowed: <allowed>` (secret values never shown)."""
    shown = SECRET_SHOWN if secret else json.dumps(value)
    return f"{NAMESPACE}:{key} = {shown} is not allowed; allowed: {allowed}"


def missing(key: str, why: str) -> str:
    """A required secret that is not set: how to set it and why it is needed."""
    how = f"set it with `pulumi config set --secret {NAMESPACE}:{key} <value>`"
    return f"{NAMESPACE}:{key} is missing; allowed: a secure value ({why}); {how}"


def required(key: str, allowed: str) -> str:
    """A required setting that is not set (absent, or empty): how to set it and what it may be."""
    path = " --path" if "." in key else ""
    return f"{NAMESPACE}:{key} is missing; set it with `pulumi config set{path} {NAMESPACE}:{key} <value>` ({allowed})"
