"""One measured child process: wall seconds, peak resident memory, exit code (shared by the benchmarks)."""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path


def run_measured(argv: list[str], cwd: Path) -> tuple[float, float, int]:
    """Runs `python argv...` in `cwd` with stdout discarded; (seconds, peak RSS MiB, exit code)."""
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.chdir(cwd)
        os.execv(sys.executable, [sys.executable, *argv])  # noqa: S606 - a fixed argv, no shell
    _, status, usage = os.wait4(pid, 0)
    # ru_maxrss is KiB on Linux; the policy pack child is not included (it is a grandchild).
    return time.perf_counter() - started, usage.ru_maxrss / 1024, os.waitstatus_to_exitcode(status)


def positive_int(text: str) -> int:
    """An argparse type: a count of at least 1 (a zero count would divide by zero or measure nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 1 or more")
    return value
