"""Pulumi property paths (`spec.selector.matchLabels["app.kubernetes.io/name"]`, `spec.ports[0]`, `*`).

The syntax of `ignoreChanges`, `replaceOnChanges` and the detailed diff keys the engine and the Kubernetes
provider exchange (pulumi/pulumi `sdk/go/common/resource/properties_path.go`: `ParsePropertyPath`,
`PropertyPath.Contains`; pulumi-kubernetes `convertPatchToDiff` for how keys are written).
"""

from __future__ import annotations

import re

Token = str | int
WILDCARD = "*"
_PLAIN_KEY = re.compile(r"[^.\[\]\"]+")


def parse(path: str) -> tuple[Token, ...]:
    """`a.b["c.d"][0][*]` -> ("a", "b", "c.d", 0, "*"). Raises ValueError on a malformed path."""
    tokens: list[Token] = []
    i = 0
    while i < len(path):
        if path[i] == ".":
            i += 1
            if i >= len(path) or path[i] in ".[":
                raise ValueError(f"malformed property path {path!r}")
            continue
        if path[i] == "[":
            end = path.find("]", i)
            if path.startswith('["', i):
                end = path.find('"]', i + 2)
                if end < 0:
                    raise ValueError(f"unterminated key in property path {path!r}")
                tokens.append(path[i + 2 : end].replace('\\"', '"'))
                i = end + 2
                continue
            if end < 0:
                raise ValueError(f"unterminated index in property path {path!r}")
            inside = path[i + 1 : end]
            tokens.append(WILDCARD if inside == WILDCARD else int(inside))
            i = end + 1
            continue
        match = _PLAIN_KEY.match(path, i)
        if not match:
            raise ValueError(f"malformed property path {path!r}")
        tokens.append(match.group(0))
        i = match.end()
    return tuple(tokens)


def format_path(tokens: tuple[Token, ...]) -> str:
    """The inverse of `parse`, quoting keys that hold `.`, `"` or brackets as the provider does."""
    out = ""
    for token in tokens:
        if isinstance(token, int):
            out += f"[{token}]"
        elif token != WILDCARD and any(c in token for c in '."[]'):
            quoted = token.replace('"', '\\"')
            out += f'["{quoted}"]'
        else:
            out += f".{token}" if out else token
    return out


def contains(pattern: tuple[Token, ...], path: tuple[Token, ...]) -> bool:
    """True when `path` is `pattern` or lies under it; `*` in the pattern matches any one key or index."""
    if len(pattern) > len(path):
        return False
    return all(p == WILDCARD or p == q for p, q in zip(pattern, path, strict=False))
