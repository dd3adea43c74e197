"""The pod runs with readOnlyRootFilesystem: the service may write to /tmp (an emptyDir) only.

Reproduced with a private mount namespace: the root filesystem is remounted read-only and a
fresh tmpfs is mounted on /tmp, for the service process only (the host is untouched).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable

from prometheus_client.parser import text_string_to_metric_families

from tests.helpers.app_server import GUNICORN_CONFIG, ServiceProcess
from tests.helpers.tools import missing_tool, require_tool

READ_ONLY_ROOT = "mount -o remount,bind,ro / && mount -t tmpfs tmpfs /tmp"


def _read_only_command() -> list[str]:
    unshare = require_tool("unshare")
    if os.geteuid() != 0:
        missing_tool("a read-only root needs root to create a mount namespace")
    probe = subprocess.run(
        [unshare, "--mount", "--propagation", "private", "sh", "-c", f"{READ_ONLY_ROOT} && true"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    )
    if probe.returncode != 0:
        missing_tool(f"cannot create a read-only mount namespace here: {probe.stderr.strip()}")
    gunicorn = f"exec {sys.executable} -m gunicorn --config {GUNICORN_CONFIG}"
    return [unshare, "--mount", "--propagation", "private", "sh", "-c", f"{READ_ONLY_ROOT} && {gunicorn}"]


def test_service_runs_on_a_read_only_root_filesystem(
    service_factory: Callable[..., ServiceProcess],
) -> None:
    svc = service_factory(command=_read_only_command(), ENABLE_FAULT_INJECTION="1")
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
