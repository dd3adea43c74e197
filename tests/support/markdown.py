"""Just enough CommonMark for the README tests: code blocks with their markers, links, heading anchors."""

from __future__ import annotations

import re
from dataclasses import dataclass

# `<!-- readme-test: ... -->` on the last non-blank line before a code block says how the test treats it.
MARKER = re.compile(r"^<!--\s*readme-test:\s*(.*?)\s*-->\s*$")
FENCE = re.compile(r"^(```+|~~~+)\s*([\w+-]*)")
LIST_ITEM = re.compile(r"^\s{0,3}([-*+]|\d+[.)])\s")
LINK = re.compile(r"(?<!!)\[(?:[^\]\[]|\[[^\]]*\])*\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")
INDENT = "    "


@dataclass(frozen=True)
class CodeBlock:
    line: int  # 1-based number of the block's first line (the fence, or the first indented line)
    last_line: int  # 1-based number of its last line (the closing fence, or the last indented line)
    language: str  # the fence's info string; "" for an indented block
    text: str
    marker: str | None  # what follows "readme-test:" in the marker before the block, if any

    def where(self) -> str:
        return f"README.md:{self.line}"


def _marker_before(lines: list[str], index: int) -> str | None:
    before = index - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    found = MARKER.match(lines[before].strip()) if before >= 0 else None
    return found.group(1) if found else None


def _starts_indented_block(lines: list[str], index: int) -> bool:
    """A 4-space line after a blank line that does not continue a list item."""
    if not lines[index].startswith(INDENT) or index == 0 or lines[index - 1].strip():
        return False
    before = index - 1
    while before >= 0 and not lines[before].strip():
        before -= 1
    paragraph_start = before
    while paragraph_start > 0 and lines[paragraph_start - 1].strip():
        paragraph_start -= 1
    previous = lines[paragraph_start] if before >= 0 else ""
    return not LIST_ITEM.match(previous) and not previous.startswith("  ")


def code_blocks(markdown: str) -> list[CodeBlock]:
    lines = markdown.splitlines()
    blocks: list[CodeBlock] = []
    index = 0
    while index < len(lines):
        fence = FENCE.match(lines[index])
        if fence:
            end = index + 1
            while end < len(lines) and not lines[end].startswith(fence.group(1)):
                end += 1
            text = "\n".join(lines[index + 1 : end])
            blocks.append(CodeBlock(index + 1, end + 1, fence.group(2), text, _marker_before(lines, index)))
            index = end + 1
            continue
        if _starts_indented_block(lines, index):
            end = index
            while end < len(lines) and (lines[end].startswith(INDENT) or not lines[end].strip()):
                end += 1
            while not lines[end - 1].strip():
                end -= 1
            text = "\n".join(line[len(INDENT) :] for line in lines[index:end])
            blocks.append(CodeBlock(index + 1, end, "", text, _marker_before(lines, index)))
            index = end
            continue
        index += 1
    return blocks


def prose(markdown: str) -> list[tuple[int, str]]:
    """(line number, line) outside code blocks, where links and headings live."""
    inside = {n for block in code_blocks(markdown) for n in range(block.line, block.last_line + 1)}
    return [(n, line) for n, line in enumerate(markdown.splitlines(), start=1) if n not in inside]


def links(markdown: str) -> list[tuple[int, str]]:
    found = []
    for number, line in prose(markdown):
        without_code = re.sub(r"`[^`]*`", "", line)
        found += [(number, target) for target in LINK.findall(without_code)]
    return found


def github_slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"`([^`]*)`", r"\1", heading)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link in a heading anchors by its text
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(markdown: str) -> set[str]:
    """Every heading's anchor; a repeated heading gets -1, -2 ... as on GitHub."""
    seen: dict[str, int] = {}
    result = set()
    for _, line in prose(markdown):
        heading = HEADING.match(line)
        if not heading:
            continue
        slug = github_slug(heading.group(2))
        count = seen.get(slug, 0)
        seen[slug] = count + 1
        result.add(slug if count == 0 else f"{slug}-{count}")
    return result
