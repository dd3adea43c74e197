"""gunicorn settings for the greenlight service. Every knob comes from an environment variable.

Shutdown sequence (what Kubernetes relies on):
1. kubelet runs the preStop hook (a sleep) while endpoints controllers remove the pod from
   Services; the pod keeps serving meanwhile.
2. SIGTERM reaches gunicorn (PID 1). The master writes the `draining` flag: /ready answers 503
   at once in every worker. For DRAIN_DELAY_SECONDS (default 0, because preStop already covered
   the propagation delay in Kubernetes) the server KEEPS LISTENING and serving, so requests
   routed by a stale endpoint list still succeed.
3. Then gunicorn's normal graceful stop: close listeners, let workers finish in-flight requests
   for up to DRAIN_SECONDS (graceful_timeout), exit 0.
"""

from __future__ import annotations

import os
import shutil
import signal
import sys
import tempfile
import time
import types
from typing import Any

APP_DIR = os.path.dirname(os.path.abspath(__file__))
if APP_DIR not in sys.path:
    sys.path.insert(0, APP_DIR)


def _env_number(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _private_dir(env_name: str, prefix: str) -> tuple[str, bool]:
    """The directory named by env_name, or a fresh one under /tmp (read-only root friendly)."""
    existing = os.environ.get(env_name)
    if existing:
        os.makedirs(existing, exist_ok=True)
        return existing, False
    created = tempfile.mkdtemp(prefix=prefix)
    os.environ[env_name] = created  # inherited by the forked workers
    return created, True


# Must happen before anything imports prometheus_client: it picks its value store at import.
METRICS_DIR, _CREATED_METRICS_DIR = _private_dir("PROMETHEUS_MULTIPROC_DIR", "greenlight-metrics-")
STATE_DIR, _CREATED_STATE_DIR = _private_dir("GREENLIGHT_STATE_DIR", "greenlight-state-")

from greenlight_app import lifecycle, logs  # noqa: E402  (after the environment is prepared)

DRAIN_DELAY_SECONDS = _env_number("DRAIN_DELAY_SECONDS", 0)
# Master loop granularity while draining: how quickly it reaps and replaces workers.
DRAIN_POLL_SECONDS = 0.5

wsgi_app = "greenlight_app.wsgi:app"
pythonpath = APP_DIR
# All interfaces by default: in a pod, the kubelet and Services reach the container IP.
bind = [f"{os.environ.get('HOST', '0.0.0.0')}:{int(_env_number('PORT', 8080))}"]  # noqa: S104
workers = int(_env_number("WEB_CONCURRENCY", 2))
worker_class = "gthread"
threads = int(_env_number("WEB_THREADS", 4))
timeout = 30
graceful_timeout = int(_env_number("DRAIN_SECONDS", 20))
keepalive = 5
# Worker heartbeat files: tmpfs when available, never the (read-only) image filesystem.
SHM_DIR = "/dev/shm"  # noqa: S108 (tmpfs; gunicorn docs recommend it for heartbeats)
worker_tmp_dir = SHM_DIR if os.path.isdir(SHM_DIR) else tempfile.gettempdir()
# The control socket would be created under $HOME; not wanted with a read-only root.
control_socket_disable = True
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
logconfig_dict = logs.logging_dict(loglevel)
proc_name = os.environ.get("SERVICE_NAME", "greenlight")


def _empty_dir(path: str) -> None:
    for name in os.listdir(path):
        target = os.path.join(path, name)
        if os.path.isdir(target):
            shutil.rmtree(target, ignore_errors=True)
        else:
            os.unlink(target)


def on_starting(server: Any) -> None:
    # Stale metric files from an earlier process would be summed into ours.
    _empty_dir(METRICS_DIR)
    lifecycle.clear_state(STATE_DIR)


def _drain_then_stop(arbiter: Any) -> None:
    """Replacement for Arbiter.handle_term: fail readiness, keep serving, then stop gracefully."""
    lifecycle.mark_draining(STATE_DIR)
    arbiter.log.info(
        "SIGTERM: readiness now fails; serving for %.1fs more, then graceful stop (%ss)",
        DRAIN_DELAY_SECONDS,
        graceful_timeout,
    )
    deadline = time.monotonic() + DRAIN_DELAY_SECONDS
    while (remaining := deadline - time.monotonic()) > 0:
        for sig in arbiter.wait_for_signals(timeout=min(remaining, DRAIN_POLL_SECONDS)):
            if sig in (signal.SIGINT, signal.SIGQUIT):  # operator wants out now
                arbiter.stop(graceful=False)
                raise StopIteration
            if sig == signal.SIGCHLD:
                arbiter.handle_chld()
        arbiter.murder_workers()
        arbiter.manage_workers()
    raise StopIteration  # gunicorn's own SIGTERM path: Arbiter.halt() -> graceful stop


def when_ready(server: Any) -> None:
    server.handle_term = types.MethodType(_drain_then_stop, server)


def post_worker_init(worker: Any) -> None:
    # The app is imported and built: from now on this worker may report ready.
    from greenlight_app.wsgi import runtime_of

    runtime_of(worker.wsgi).lifecycle.mark_started()


def child_exit(server: Any, worker: Any) -> None:
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)  # type: ignore[no-untyped-call]


def on_exit(server: Any) -> None:
    for path, created in ((METRICS_DIR, _CREATED_METRICS_DIR), (STATE_DIR, _CREATED_STATE_DIR)):
        if created:
            shutil.rmtree(path, ignore_errors=True)
