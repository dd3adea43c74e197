"""Where the offline preview's memory goes at its largest (prints, never asserts).

    .venv/bin/python benchmarks/memory_peak.py [--apps 10 100]

For each generated stack of N apps (benchmarks/scale_apps.py's program, databases off), a fresh process
runs the program under the offline engine with tracemalloc and takes one snapshot of the live heap (after
a full collection) when the engine receives the program's first resource. The Python SDK runs a
program's body to its end, and then serializes every resource's registration, before its event loop
sends the first one: at that moment every resource is constructed and its request waits, and the heap is
at its largest. The live blocks are grouped by the file that allocated them; the difference between two
stacks, divided by the apps added, is each group's memory per added app. (Protobuf's own arenas, which
hold the serialized requests, are outside tracemalloc's view: the process's peak RSS is larger still.)
"""

from __future__ import annotations

import argparse
import gc
import json
import subprocess
import sys
import tempfile
import threading
import tracemalloc
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks import scale_apps  # noqa: E402
from benchmarks.measure import machine, positive_int  # noqa: E402
from benchmarks.paired import DATABASE_OFF  # noqa: E402

MIB = 1 << 20
# Allocation sites, by path fragment, in the order they are tried; the last group takes the rest.
GROUPS = (
    ("Pulumi SDK", "/site-packages/pulumi/"),
    ("asyncio (the SDK's tasks, futures, callbacks)", "/asyncio/"),
    ("greenlight components", str(ROOT / "components")),
    ("offline engine (the recorded registrations)", str(ROOT / "offline")),
    ("protobuf, typing, imports and the rest", ""),
)


def _group(filename: str) -> str:
    return next(name for name, fragment in GROUPS if fragment in filename)


def measure(apps: int) -> dict[str, Any]:
    """Runs the N-app program in this process; the live heap by group when its body returned."""
    from offline import engine, stackconfig
    from offline.monitor import RecordingMonitor, Resource

    with tempfile.TemporaryDirectory() as tmp:
        program = Path(tmp)
        scale_apps.generate(program, apps)
        config = stackconfig.load(program, "prod", list(DATABASE_OFF))
        held: dict[str, float] = {}
        add = RecordingMonitor._add

        first = threading.Lock()  # the monitor answers in the SDK's executor threads: one snapshot only

        def snapshot_at_first(monitor: RecordingMonitor, record: Resource, *args: Any) -> None:
            if record.type != engine.STACK_TYPE and first.acquire(blocking=False):
                gc.collect()  # live objects only: the collector is held back while a program runs
                for stat in tracemalloc.take_snapshot().statistics("filename"):
                    group = _group(stat.traceback[0].filename)
                    held[group] = held.get(group, 0) + stat.size / MIB
            add(monitor, record, *args)

        tracemalloc.start()
        RecordingMonitor._add = snapshot_at_first  # type: ignore[method-assign, assignment]
        try:
            resources = engine.run_program(program, config)
        finally:
            RecordingMonitor._add = add  # type: ignore[method-assign]
        peak = tracemalloc.get_traced_memory()[1] / MIB
        tracemalloc.stop()
    return {"apps": apps, "registrations": len(resources), "held": held, "traced_peak": peak}


def _child(apps: int) -> dict[str, Any]:
    argv = [sys.executable, __file__, "--child", str(apps)]
    done = subprocess.run(argv, capture_output=True, text=True, check=True, cwd=ROOT)
    return json.loads(done.stdout)


def print_table(small: dict[str, Any], large: dict[str, Any]) -> None:
    added = large["apps"] - small["apps"]
    registrations = (large["registrations"] - small["registrations"]) / added
    print(f"{registrations:.0f} registrations per added app ({small['apps']} -> {large['apps']} apps)\n")
    few, many = small["apps"], large["apps"]
    print(f"| allocated by | MiB, {few} apps | MiB, {many} apps | MiB per added app | KiB per registration |")
    print("| --- | ---: | ---: | ---: | ---: |")
    totals = [0.0, 0.0]
    for name, _ in GROUPS:
        low, high = small["held"].get(name, 0.0), large["held"].get(name, 0.0)
        totals = [totals[0] + low, totals[1] + high]
        per_app = (high - low) / added
        print(f"| {name} | {low:.1f} | {high:.1f} | {per_app:.2f} | {per_app * 1024 / registrations:.1f} |")
    per_app = (totals[1] - totals[0]) / added
    kib = per_app * 1024 / registrations
    print(f"| all live blocks | {totals[0]:.1f} | {totals[1]:.1f} | {per_app:.2f} | {kib:.1f} |")
    print(
        f"\ntracemalloc's peak (garbage included): {small['traced_peak']:.1f} and {large['traced_peak']:.1f} MiB; "
        f"{(large['traced_peak'] - small['traced_peak']) / added:.2f} MiB per added app"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--apps", type=positive_int, nargs=2, default=[10, 100], metavar=("FEW", "MANY"))
    parser.add_argument("--child", type=positive_int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    if args.apps[0] == args.apps[1]:
        parser.error(f"--apps: two different numbers of apps, got {args.apps[0]} twice")
    print(f"machine: {machine()}\n")
    small, large = (_child(n) for n in sorted(args.apps))
    print_table(small, large)


if __name__ == "__main__":
    main()
