"""Writes only where nothing can be lost: a new or empty directory, or one this tool wrote before.

`--render .` inside a clone once deleted the clone. A render directory now carries a marker file; a
directory is replaced only when it is empty or marked and holds nothing but what a render writes. A
single output file is overwritten only when it starts with the writer's own marker line.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from offline.errors import UsageError

RENDER_MARKER = ".greenlight-render"
RENDER_MARKER_TEXT = "Written by `python -m offline preview --render`; the next render replaces this directory.\n"


class OutputRefused(UsageError):
    """The output path holds something this tool did not write."""


def claim_directory(out: Path, flag: str, owned: frozenset[str], marker: str = RENDER_MARKER) -> None:
    """Makes `out` an empty directory marked as ours, or refuses (nothing is deleted when it refuses)."""
    if out.is_symlink() or (out.exists() and not out.is_dir()):
        raise OutputRefused(f"{flag} {out}: exists and is not a directory; give a new or empty directory")
    if out.is_dir():
        entries = {p.name for p in out.iterdir()}
        if entries and marker not in entries:
            older = " (a render from before renders were marked? delete it once yourself)" if entries <= owned else ""
            raise OutputRefused(
                f"{flag} {out}: the directory is not empty and was not written by this tool (no {marker} file)"
                f"{older}; refusing to replace it: give a new or empty directory"
            )
        foreign = sorted(entries - owned - {marker})
        if foreign:
            raise OutputRefused(
                f"{flag} {out}: holds files a render does not write ({', '.join(foreign)}); "
                "refusing to replace it: move them or give another directory"
            )
        for name in entries:
            path = out / name
            if path.is_dir() and not path.is_symlink():
                shutil.rmtree(path)
            else:
                path.unlink()
    out.mkdir(parents=True, exist_ok=True)
    (out / marker).write_text(RENDER_MARKER_TEXT, encoding="utf-8")


def claim_file(path: Path, flag: str, first_line: str) -> None:
    """Allows writing `path` when it is new, or a file this tool wrote (it starts with `first_line`)."""
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise OutputRefused(f"{flag} {path}: exists and is not a regular file; give a new file")
    if path.is_file():
        with path.open(encoding="utf-8", errors="replace") as handle:
            head = handle.readline().rstrip("\n")
        if head != first_line:
            raise OutputRefused(
                f"{flag} {path}: the file exists and was not written by this tool (its first line is not "
                f"{first_line!r}); refusing to overwrite it: give a new file"
            )
    if not path.parent.is_dir():
        raise OutputRefused(f"{flag} {path}: the directory {path.parent} does not exist")


def is_render(path: Path, owned: frozenset[str], marker: str = RENDER_MARKER) -> bool:
    """A directory a render wrote and nothing else touched: its marker and only what a render writes."""
    if path.is_symlink() or not path.is_dir():
        return False
    entries = {p.name for p in path.iterdir()}
    return marker in entries and entries <= owned | {marker}
