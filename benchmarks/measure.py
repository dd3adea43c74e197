"""Measured child processes and the machine they ran on (shared by the benchmarks; they print, never assert)."""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
from dataclasses import dataclass
from pathlib import Path

KIB_PER_MIB = 1024  # ru_maxrss is in KiB on Linux (getrusage(2))


@dataclass(frozen=True)
class Measured:
    seconds: float  # wall clock
    cpu_seconds: float  # user + system, the process and the children it waited for
    peak_mib: float  # largest resident set of the process or of a child it waited for (wait4(2))
    exit_code: int


def run_measured(
    argv: list[str], cwd: Path, executable: str = sys.executable, env: dict[str, str] | None = None
) -> Measured:
    """Runs `executable argv...` in `cwd` with stdout and stderr discarded."""
    import time

    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:  # child
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)
        os.dup2(devnull, 2)
        os.chdir(cwd)
        os.execve(executable, [executable, *argv], env if env is not None else dict(os.environ))  # noqa: S606
    _, status, usage = os.wait4(pid, 0)
    return Measured(
        seconds=time.perf_counter() - started,
        cpu_seconds=usage.ru_utime + usage.ru_stime,
        peak_mib=usage.ru_maxrss / KIB_PER_MIB,
        exit_code=os.waitstatus_to_exitcode(status),
    )


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gib() -> str:
    try:
        kib = int(Path("/proc/meminfo").read_text().split()[1])
    except (OSError, IndexError, ValueError):
        return "?"
    return f"{kib / KIB_PER_MIB / KIB_PER_MIB:.0f} GiB"


def machine() -> str:
    """Date, CPU, cores, memory, OS, Python and the load average: what the figures depend on."""
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return (
        f"{datetime.datetime.now(datetime.UTC):%Y-%m-%d %H:%M} UTC; {_cpu_model()}, {os.cpu_count()} cores, "
        f"{_memory_gib()}, {platform.system()} {platform.release()}, "
        f"{platform.python_implementation()} {platform.python_version()}; load average {load}"
    )


def positive_int(text: str) -> int:
    """An argparse type: a count of at least 1 (a zero count would divide by zero or measure nothing)."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"{value} is not allowed; allowed: 1 or more")
    return value
