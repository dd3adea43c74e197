"""Wall time and peak memory of the offline preview per stack (prints a table, never asserts).

    .venv/bin/python benchmarks/preview.py [--stacks dev prod] [--repeat 3]

Each run is a fresh `python -m offline preview --policy-pack ... --render ...` process, as in CI.
Peak memory is the largest resident set of the preview process or of the pack it runs (wait4 reports
the larger).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.measure import Measured, machine, positive_int, run_measured  # noqa: E402


def measure(stack: str, out: Path) -> Measured:
    """One preview process."""
    argv = [
        "-m",
        "offline",
        "preview",
        "--stack",
        stack,
        "--policy-pack",
        "policies",
        "--policy-pack-config",
        f"policies/config/{stack}.json",
        "--render",
        str(out),
        "--json",
    ]
    return run_measured(argv, ROOT)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--stacks", nargs="+", default=["dev", "staging", "prod"])
    parser.add_argument("--repeat", type=positive_int, default=3)
    args = parser.parse_args()
    unknown = [s for s in args.stacks if not (ROOT / f"Pulumi.{s}.yaml").is_file()]
    if unknown:
        known = sorted(p.name.split(".")[1] for p in ROOT.glob("Pulumi.*.yaml"))
        parser.error(f"--stacks: no stack file for {', '.join(unknown)}; stacks: {', '.join(known)}")
    print(f"machine: {machine()}")
    print("| stack | runs | median wall (s) | min wall (s) | median CPU (s) | peak RSS (MiB) | exit |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for stack in args.stacks:
        with tempfile.TemporaryDirectory() as tmp:
            runs = [measure(stack, Path(tmp) / "out") for _ in range(args.repeat)]
        walls = [r.seconds for r in runs]
        print(
            f"| {stack} | {len(runs)} | {statistics.median(walls):.2f} | {min(walls):.2f} "
            f"| {statistics.median(r.cpu_seconds for r in runs):.2f} | {max(r.peak_mib for r in runs):.0f} "
            f"| {runs[-1].exit_code} |"
        )


if __name__ == "__main__":
    main()
