"""What each release operation changes: diff two offline renders of prod and print the objects.

Run: .venv/bin/python benchmarks/release_changes.py
Prints one table row per operation (objects added, removed, changed) and the objects themselves.
prod as checked in runs blue (1.4.2) with the newer green (1.5.0) waiting: promoting green is a
promotion (gated), going back to blue a rollback (no gate Job).
`pulumi preview` on a real stack shows the same set: one object per rendered manifest.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from tests.support.preview import Preview, preview  # noqa: E402 - after the path setup above

NEW_DIGEST = "ghcr.io/acme/greenlight-web:1.6.0@sha256:" + "c" * 64
CANARY = "greenlight:release.strategy=canary"
CANARY_10 = (CANARY, "greenlight:release.canaryWeight=10")


def canary_at(weight: int) -> tuple[str, ...]:
    return (CANARY, f"greenlight:release.canaryWeight={weight}")


# The release pipeline's canary (scripts/canary_release.py), with the default steps: each step after
# green (1.5.0) landed, then green made active at weight 0.
CANARY_STEPS = [(0, 5), (5, 25), (25, 50), (50, 100)]
# (operation, stack, overrides before, overrides after)
OPERATIONS: list[tuple[str, str, tuple[str, ...], tuple[str, ...]]] = [
    ("promote green", "prod", (), ("greenlight:release.activeColor=green",)),
    ("roll back to blue", "prod", ("greenlight:release.activeColor=green",), ()),
    (
        "deploy 1.6.0 to idle green",
        "prod",
        (),
        ("greenlight:release.green.version=1.6.0", f"greenlight:release.green.image={NEW_DIGEST}"),
    ),
    (
        "canary step 10% -> 50%",
        "prod",
        CANARY_10,
        ("greenlight:release.strategy=canary", "greenlight:release.canaryWeight=50"),
    ),
    ("canary abort 10% -> 0%", "prod", CANARY_10, ("greenlight:release.strategy=canary",)),
    *((f"canary pipeline step {a}% -> {b}%", "prod", canary_at(a), canary_at(b)) for a, b in CANARY_STEPS),
    (
        "canary pipeline: green made active, 0%",
        "prod",
        canary_at(100),
        (CANARY, "greenlight:release.activeColor=green"),
    ),
    ("canary pipeline abort 25% -> 0%", "prod", canary_at(25), canary_at(0)),
    (
        "promote green, scaleDownIdle (staging)",
        "staging",
        ("greenlight:release.scaleDownIdle=true",),
        ("greenlight:release.scaleDownIdle=true", "greenlight:release.activeColor=green"),
    ),
]


@dataclass(frozen=True)
class ChangeSet:
    added: list[str]
    removed: list[str]
    changed: list[str]

    @property
    def touched(self) -> list[str]:
        return sorted({*self.added, *self.removed, *self.changed})


def _objects(p: Preview) -> dict[str, dict[str, object]]:
    out = {}
    for path in p.manifest_files:
        doc = yaml.safe_load(path.read_text())
        out[f"{doc['kind']}/{doc['metadata']['name']}"] = doc
    return out


def diff_renders(before: Preview, after: Preview) -> ChangeSet:
    """Objects by kind/name; a renamed object (the gate Job) shows as removed + added, as Pulumi replaces it."""
    a, b = _objects(before), _objects(after)
    return ChangeSet(
        added=sorted(set(b) - set(a)),
        removed=sorted(set(a) - set(b)),
        changed=sorted(k for k in set(a) & set(b) if a[k] != b[k]),
    )


def main() -> None:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args()  # no options; refuses any
    rows = []
    for label, stack, before, after in OPERATIONS:
        started = time.perf_counter()
        changes = diff_renders(preview(stack, *before), preview(stack, *after))
        rows.append((label, changes, time.perf_counter() - started))
    print(f"{'operation':40} {'added':>5} {'removed':>7} {'changed':>7}  {'render+diff s':>13}")
    for label, c, seconds in rows:
        print(f"{label:40} {len(c.added):5} {len(c.removed):7} {len(c.changed):7}  {seconds:13.2f}")
    for label, c, _ in rows:
        print(f"\n{label}:")
        for kind, names in (("+", c.added), ("-", c.removed), ("~", c.changed)):
            for name in names:
                print(f"  {kind} {name}")


if __name__ == "__main__":
    main()
