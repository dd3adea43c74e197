"""How settings are declared: ``setting()`` fields with defaults, checks and docs, and ``Secret``."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

# A check returns True when the value is fine; the field's `allowed` text explains what is.
Check = Callable[[Any], bool]


@dataclass(frozen=True)
class Secret:
    """A secret setting. It has no plaintext accessor: it leaves only as a Pulumi secret."""

    _value: str = field(repr=False)

    def output(self) -> Any:
        import pulumi

        return pulumi.Output.secret(self._value)

    def __str__(self) -> str:
        return "[secret]"


def setting(
    default: Any = dataclasses.MISSING,
    *,
    check: Check | None = None,
    allowed: str = "",
    env_default: Mapping[str, Any] | None = None,
    doc: str = "",
) -> Any:
    """Declares a settings field: its default, per-environment defaults, check and docs."""
    meta = {"check": check, "allowed": allowed, "env_default": env_default or {}, "doc": doc}
    if isinstance(default, (dict, list)):
        frozen = dict(default) if isinstance(default, dict) else tuple(default)
        return field(default_factory=lambda: frozen, metadata=meta)
    if dataclasses.is_dataclass(default) and not isinstance(default, type):
        return field(default_factory=lambda: default, metadata=meta)
    return field(default=default, metadata=meta)


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.capitalize() for part in rest)
