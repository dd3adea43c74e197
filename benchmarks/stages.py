"""One offline preview with the policy pack and render, timed stage by stage (a child of the benchmarks).

    .venv/bin/python -m benchmarks.stages --stack prod [--cwd DIR] [--config K=V]... --render OUT --json FILE

Runs what `python -m offline preview --policy-pack policies --render OUT` runs, in the same order, and
writes the seconds of each stage: import, program (the engine and components), pack (start-up, Configure,
Remediate and Analyze per resource, AnalyzeStack) and render, plus the pack process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline import stackconfig  # noqa: E402
from offline.analyzer import PolicyPack, run_pack  # noqa: E402
from offline.engine import run_program  # noqa: E402
from offline.render import render  # noqa: E402

POLICIES = ROOT / "policies"
KIB_PER_MIB = 1024  # ru_maxrss is in KiB on Linux (getrusage(2))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stack", required=True)
    parser.add_argument("--cwd", type=Path, default=ROOT)
    parser.add_argument("--config", action="append", default=[])
    parser.add_argument("--render", type=Path, required=True)
    parser.add_argument("--json", type=Path, required=True)
    args = parser.parse_args()
    imported = time.perf_counter()
    stack = stackconfig.load(args.cwd.resolve(), args.stack, args.config)
    resources = run_program(args.cwd.resolve(), stack)
    programmed = time.perf_counter()
    # Started after the program here (the preview starts it before), so its start-up counts as the pack's.
    pack = PolicyPack(POLICIES, connect=False)
    violations, _, _ = run_pack(pack, POLICIES / "config" / f"{args.stack}.json", stack, resources)
    packed = time.perf_counter()
    counts = render(args.render, resources)
    rendered = time.perf_counter()
    figures = {
        "resources": len(resources),
        "manifests": counts["manifests"],
        "violations": len(violations),
        "import_s": imported - STARTED,
        "program_s": programmed - imported,
        "pack_s": packed - programmed,
        "render_s": rendered - packed,
        "pack_peak_mib": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / KIB_PER_MIB,
    }
    args.json.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
