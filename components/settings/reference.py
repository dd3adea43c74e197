"""The README's settings reference, generated from the settings dataclasses.

python -m components.settings.reference                    # print the table
python -m components.settings.reference --write README.md  # replace it between the settings markers
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import re
import sys
import typing
from pathlib import Path

from components.settings.fields import Secret, camel
from components.settings.model import Settings
from components.settings.reader import describe, unwrap_optional

BEGIN = "<!-- settings:begin (generated: python -m components.settings.reference --write README.md) -->"
END = "<!-- settings:end -->"


def field_docs(cls: type, prefix: str = "") -> list[tuple[str, str, str, str]]:
    """(key, type, default, doc) rows for the README's settings reference, nested keys dotted."""
    rows: list[tuple[str, str, str, str]] = []
    hints = typing.get_type_hints(cls)
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        key = f"{prefix}{camel(f.name)}"
        tp = unwrap_optional(hints[f.name])
        if tp is Secret:
            rows.append((key, "secret", "unset", f.metadata.get("doc", "")))
            continue
        if dataclasses.is_dataclass(tp):
            rows.extend(field_docs(tp, key + "."))  # type: ignore[arg-type]
            continue
        default = f.default if f.default is not dataclasses.MISSING else None
        if f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        per_env = f.metadata.get("env_default", {})
        shown = "required" if default is None and not per_env else json.dumps(default)
        if per_env:
            shown = ", ".join(f"{env}: {json.dumps(v)}" for env, v in per_env.items())
            if default is not None:
                shown += f", else {json.dumps(default)}"
        kind = "secret" if tp is Secret else (f.metadata.get("allowed") or describe(tp))
        rows.append((key, kind, shown, f.metadata.get("doc", "")))
    return rows


def settings_table() -> str:
    rows = ["| key (`greenlight:`...) | type | default | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{key}` | {kind} | {default} | {doc} |" for key, kind, default, doc in field_docs(Settings)]
    return "\n".join(rows)


class ReferenceError(Exception):
    """The README cannot take the table: the message says which file and why; nothing was written."""


def write(readme: Path) -> None:
    """Replaces the table between the settings markers; anything else in the file stays as it is."""
    try:
        text = readme.read_text(encoding="utf-8")
    except OSError as err:
        raise ReferenceError(f"--write {readme}: cannot read it ({err.strerror})") from None
    block = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    if not block.search(text):
        raise ReferenceError(f"--write {readme}: no settings markers ({BEGIN} ... {END}); nothing was written")
    readme.write_text(block.sub(lambda _: f"{BEGIN}\n{settings_table()}\n{END}", text), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, metavar="README")
    args = parser.parse_args(argv)
    if not args.write:
        print(settings_table())
        return 0
    try:
        write(args.write)
    except ReferenceError as err:  # exit 2 and one message, like every other command
        print(f"reference: error: {err}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
