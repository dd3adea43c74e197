"""One offline preview with the policy pack and render, timed stage by stage (a child of the benchmarks).

    .venv/bin/python -m benchmarks.stages --stack prod [--cwd DIR] [--config K=V]... --render OUT --json FILE

Runs what `python -m offline preview --policy-pack policies --render OUT` runs, in the same order, and
writes the seconds of each stage: import, program (the engine and components), pack (start-up, Configure,
Remediate and Analyze per resource, AnalyzeStack) and render, plus the pack process's peak memory.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from offline import stackconfig  # noqa: E402
from offline.analyzer import PolicyPack  # noqa: E402
from offline.engine import STACK_TYPE, Resource, run_program  # noqa: E402
from offline.render import render  # noqa: E402
from offline.stackconfig import StackConfig  # noqa: E402

POLICIES = ROOT / "policies"
KIB_PER_MIB = 1024  # /proc/<pid>/status counts in kB (proc(5))


def peak_mib(pid: int) -> float:
    """A live process's peak resident set (VmHWM: since it exec'd, so not its parent's pages)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / KIB_PER_MIB
    return 0.0


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a live process (/proc/<pid>/stat fields 14 and 15, in clock ticks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_pack_measured(stack: StackConfig, resources: list[Resource], config: Path) -> dict[str, float]:
    """offline.analyzer.run_pack's steps, reading the pack's peak memory and CPU before it is stopped.

    CPU is the pack process's plus what this process spent driving it (encoding, gRPC client)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    with PolicyPack(POLICIES, connect=False) as pack:
        pack.connect()
        pack.configure(config, stack)
        analyzed = [r for r in resources if r.type != STACK_TYPE]
        stack_request = pack.stack_request(resources)
        encoded = {item.urn: item.properties for item in stack_request.resources}
        pack.remediate_all(analyzed, encoded)
        found = len(pack.analyze_all(analyzed, encoded))
        found += len(pack.analyze_stack(resources, stack_request))
        used = resource.getrusage(resource.RUSAGE_SELF)
        client = used.ru_utime + used.ru_stime - own.ru_utime - own.ru_stime
        return {
            "violations": found,
            "pack_peak_mib": peak_mib(pack.process.pid),
            "pack_cpu_s": cpu_seconds(pack.process.pid) + client,
        }


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
    pack = run_pack_measured(stack, resources, POLICIES / "config" / f"{args.stack}.json")
    packed = time.perf_counter()
    counts = render(args.render, resources)
    rendered = time.perf_counter()
    figures = {
        "resources": len(resources),
        "manifests": counts["manifests"],
        **pack,
        "import_s": imported - STARTED,
        "program_s": programmed - imported,
        "pack_s": packed - programmed,
        "render_s": rendered - packed,
    }
    args.json.write_text(json.dumps(figures))


if __name__ == "__main__":
    main()
