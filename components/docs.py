"""The README's settings reference, generated from the dataclasses.

python -m components.docs                    # print the table
python -m components.docs --write README.md  # replace it between the settings markers
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from components.schema import field_docs
from components.settings import Settings

BEGIN = "<!-- settings:begin (generated: python -m components.docs --write README.md) -->"
END = "<!-- settings:end -->"


def settings_table() -> str:
    rows = ["| key (`greenlight:`...) | type | default | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{key}` | {kind} | {default} | {doc} |" for key, kind, default, doc in field_docs(Settings)]
    return "\n".join(rows)


def write(readme: Path) -> None:
    text = readme.read_text()
    block = re.compile(re.escape(BEGIN) + ".*?" + re.escape(END), re.S)
    readme.write_text(block.sub(lambda _: f"{BEGIN}\n{settings_table()}\n{END}", text))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--write", type=Path, metavar="README")
    args = parser.parse_args()
    if args.write:
        write(args.write)
    else:
        print(settings_table())
