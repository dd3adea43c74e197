"""Prints the README's settings reference from the dataclasses: `python -m components.docs`."""

from components.schema import field_docs
from components.settings import Settings


def settings_table() -> str:
    rows = ["| key (`greenlight:`...) | type | default | meaning |", "| --- | --- | --- | --- |"]
    rows += [f"| `{key}` | {kind} | {default} | {doc} |" for key, kind, default, doc in field_docs(Settings)]
    return "\n".join(rows)


if __name__ == "__main__":
    print(settings_table())
