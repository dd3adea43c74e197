"""Runs a Pulumi program under the mock runtime and records every registration as the engine sees it."""

from __future__ import annotations

import gc
import os
import runpy
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks, rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from offline import kinds
from offline.errors import UsageError
from offline.monitor import STACK_TYPE, Expand, Observe, OfflineMocks, RecordingMonitor, Resource
from offline.stackconfig import StackConfig

# The cyclic collector's thresholds while a program runs (CPython's defaults: 700, 10, 10; see
# https://docs.python.org/3/library/gc.html#gc.set_threshold). A program registers thousands of resources,
# each a few hundred long-lived dicts, futures and Outputs; at the defaults the collector ran thousands of
# times, each older-generation pass over the whole growing heap, and took a third of a 100-app preview's
# CPU, more per app the more apps (benchmarks/scale_apps.py). Young collections every 10,000 allocations
# still reclaim the SDK's short-lived cycles (closures, futures), so memory stays as it was. The older
# generations are not collected while the program runs: a middle-generation pass (every 50 young ones
# before) rescanned up to half a million survivors, 0.1-0.16 s each, to reclaim about 1% of them; a 10-app
# program reached none, a 100-app one three, and so each of its apps cost ~5 ms more than a 10-app one's.
PROGRAM_GC_THRESHOLDS = (10_000, 1_000_000, 1_000)

# The default provider's namespace setting (`pulumi config set kubernetes:namespace ...`).
PROVIDER_NAMESPACE_KEY = "kubernetes:namespace"


class ProgramError(UsageError):
    """The program failed; the message is what the user needs to see."""


def run_program(
    cwd: Path, stack_config: StackConfig, expand: Expand | None = None, observe: Observe | None = None
) -> list[Resource]:
    """Runs `cwd/__main__.py` as `pulumi preview` would, returning every registration in order.

    `observe` is told of each registration as it is recorded (the policy pack analyzes while the program runs)."""
    program_file = cwd / "__main__.py"
    if not program_file.is_file():
        raise ProgramError(f"no __main__.py in {cwd}")
    set_all_config(dict(stack_config.config), sorted(stack_config.secret_keys))
    offline_mocks = OfflineMocks(stack_config.config.get(PROVIDER_NAMESPACE_KEY) or kinds.DEFAULT_NAMESPACE)
    monitor = RecordingMonitor(offline_mocks, expand, observe)
    runtime_settings.ROOT.set(None)  # a fresh Stack per run, so one process can preview twice
    # ... and no failure of an earlier run (kept by the SDK's RPC bookkeeping) surfaces in this one.
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    mocks.set_mocks(
        offline_mocks, project=stack_config.project, stack=stack_config.stack, preview=True, monitor=monitor
    )
    root = runtime_settings.get_root_resource()
    # set_mocks registers the Stack's outputs at once; the program's exports must come after.
    root._outputs_registered = False  # type: ignore[union-attr]

    def program() -> None:
        runpy.run_path(str(program_file), run_name="__main__")
        root._finish()  # type: ignore[union-attr]

    with _program_imports(cwd), _fewer_collections():
        try:
            _sync_await(run_pulumi_func(program))
        except Exception as err:
            if offline_mocks.failure:  # the SDK wraps it; the cause is what the user needs
                raise ProgramError(offline_mocks.failure) from err
            raise
    if offline_mocks.failure:  # raised where the SDK only logs it: still never a silent success
        raise ProgramError(offline_mocks.failure)
    return monitor.recorded


@contextmanager
def _fewer_collections() -> Iterator[None]:
    """The cyclic collector at PROGRAM_GC_THRESHOLDS while the program runs, with what was loaded before
    (the SDKs, the modules) frozen out of its scans; the process's own settings again afterwards (whose next
    middle-generation pass scans what the program left once, and frees its garbage: asyncio futures whose
    finalizers must not run at some later, arbitrary point)."""
    thresholds = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(*PROGRAM_GC_THRESHOLDS)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def _top_level_names(cwd: Path) -> set[str]:
    """Modules and packages the program can import from its own directory."""
    names = {p.stem for p in cwd.glob("*.py") if p.stem != "__main__"}
    return names | {p.name for p in cwd.iterdir() if p.is_dir() and (p / "__init__.py").is_file()}


@contextmanager
def _program_imports(cwd: Path) -> Iterator[None]:
    """The program imports its own packages: copies loaded from elsewhere (another checkout of the project,
    e.g. the head of a plan when the base runs) step aside for the run and come back after it."""
    own = _top_level_names(cwd)
    # Over copies of sys.modules' keys: another thread (the policy pack's client) may import meanwhile.
    shadowed = {
        name: sys.modules.pop(name)
        for name in [n for n in list(sys.modules) if n.split(".")[0] in own and not _module_under(n, cwd)]
    }
    loaded_before = {name for name in list(sys.modules) if _module_under(name, cwd)}
    previous_cwd, previous_path = Path.cwd(), list(sys.path)
    os.chdir(cwd)
    sys.path.insert(0, str(cwd))
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        sys.path[:] = previous_path
        # Let a later run in this process (tests, --cwd elsewhere) import its own copies.
        for name in [n for n in list(sys.modules) if _module_under(n, cwd) and n not in loaded_before]:
            del sys.modules[name]
        sys.modules.update(shadowed)


def _module_under(name: str, root: Path) -> bool:
    module = sys.modules.get(name)
    origin = getattr(module, "__file__", None)
    if not origin or "site-packages" in Path(origin).parts:
        return False  # installed packages (a venv may live inside the project) stay loaded
    return _resolved_directory(os.path.dirname(origin)).is_relative_to(_resolved_directory(str(root)))


@cache
def _resolved_directory(directory: str) -> Path:
    """A module directory with links resolved, once per directory: a run checks every loaded module twice."""
    return Path(directory).resolve()


def is_secret(value: Any) -> bool:
    return rpc.is_rpc_secret(value)


def unwrap_secret(value: Any) -> Any:
    return rpc.unwrap_rpc_secret(value)


def wrap_secret(value: Any) -> Any:
    return rpc.wrap_rpc_secret(value)


def _redact_leaves(value: Any, redact: str) -> Any:
    """Keeps the shape of a secret object (so manifests still validate) but hides every value."""
    if isinstance(value, dict):
        return {k: _redact_leaves(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redact_leaves(v, redact) for v in value]
    return redact


def plain(value: Any, redact: str = "[secret]") -> Any:
    """The value with every secret replaced by `redact` and unknowns shown as such."""
    if is_secret(value):
        return _redact_leaves(unwrap_secret(value), redact)
    if isinstance(value, dict):
        return {k: plain(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v, redact) for v in value]
    if value == rpc.UNKNOWN:
        return "[unknown]"
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


__all__ = ["STACK_TYPE", "Resource", "plain", "pulumi", "run_program"]
