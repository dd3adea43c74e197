"""The pod runs with readOnlyRootFilesystem: the service may write to /tmp (an emptyDir) only.

Reproduced with a private mount namespace: the root filesystem is remounted read-only and a
fresh tmpfs is mounted on /tmp, for the service process only (the host is untouched).
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from prometheus_client.parser import text_string_to_metric_families

from tests.support.app_server import GUNICORN_CONFIG, ServiceProcess
from tests.support.preview import ROOT
from tests.support.tools import missing_tool, require_tool

READ_ONLY_ROOT = "mount -o remount,bind,ro / && mount -t tmpfs tmpfs /tmp"
TMP = Path("/tmp")  # the emptyDir the pod mounts; the test replaces it with a fresh tmpfs


def _code_paths_under_tmp() -> list[Path]:
    """The checkout and its virtualenv may live under /tmp (a CI clone); the fresh tmpfs would hide them."""
    paths = {Path(p).resolve() for p in (ROOT, sys.prefix, sys.base_prefix)}
    return sorted(p for p in paths if p.is_relative_to(TMP))


def _read_only_root_script(stash: Path) -> str:
    """Remount / read-only, put an empty tmpfs on /tmp, and bring the code paths back read-only."""
    hidden = _code_paths_under_tmp()
    steps = [f"mount --rbind {TMP} {stash}"] if hidden else []
    steps.append(READ_ONLY_ROOT)
    for path in hidden:
        source = stash / path.relative_to(TMP)
        steps += [f"mkdir -p {path}", f"mount --bind {source} {path}", f"mount -o remount,bind,ro {path}"]
    return " && ".join(steps)


def _read_only_command(stash: Path) -> list[str]:
    unshare = require_tool("unshare")
    script = _read_only_root_script(stash)
    # Without root, a user namespace (mapped to root) may create the mount namespace instead.
    namespace = [unshare, "--mount", "--propagation", "private", *([] if os.geteuid() == 0 else ["--map-root-user"])]
    probe = subprocess.run(
        [*namespace, "sh", "-c", f"{script} && true"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    if probe.returncode != 0:
        missing_tool(f"cannot create a read-only mount namespace here: {probe.stderr.strip()}")
    gunicorn = f"exec {sys.executable} -m gunicorn --config {GUNICORN_CONFIG}"
    return [*namespace, "sh", "-c", f"{script} && {gunicorn}"]


def test_service_runs_on_a_read_only_root_filesystem(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    # The stash (where the real /tmp stays reachable) must not be under /tmp itself.
    with tempfile.TemporaryDirectory(dir="/dev/shm") as stash:
        _run_read_only(service_factory, Path(stash))


def _run_read_only(service_factory: Callable[..., ServiceProcess], stash: Path) -> None:
    svc = service_factory(command=_read_only_command(stash), ENABLE_FAULT_INJECTION="1")
    svc.wait_ready()
    for _ in range(5):
        assert svc.request("/api/items").status == 200
    # Multiprocess metrics and the shared fault/drain state live under /tmp and work.
    assert svc.request("/admin/fault", method="POST", body=b'{"error_rate": 1}',
                       headers={"Content-Type": "application/json"}).status == 200  # fmt: skip
    assert svc.request("/").status == 500
    body = svc.request("/metrics").body.decode()
    samples = {
        (sample.labels.get("route"), sample.labels.get("status")): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
        if sample.name == "http_requests_total"
    }
    assert samples[("/api/items", "200")] == 5
    assert samples[("/", "500")] == 1
    svc.sigterm()
    assert svc.wait_exit() == 0
    assert not any(line["level"] == "error" and "Read-only" in line.get("exception", "")
                   for line in svc.log_lines())  # fmt: skip
