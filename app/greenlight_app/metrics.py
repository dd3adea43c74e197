"""RED metrics with the names and labels the alert rules and dashboards rely on.

gunicorn forks workers, each with its own counters, so prometheus_client runs in multiprocess
mode when PROMETHEUS_MULTIPROC_DIR is set (gunicorn.conf.py sets it before any import of
prometheus_client) and /metrics aggregates the per-process files.
"""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

UNMATCHED_ROUTE = "unmatched"
# Anything else collapses into "other", so a client sending odd verbs cannot mint series.
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

HTTP_REQUESTS = Counter(
    "http_requests_total",
    "HTTP requests handled, by method, route template and status code.",
    ["method", "route", "status"],
)
HTTP_REQUEST_DURATION = Histogram(
    "http_request_duration_seconds",
    "Time spent handling an HTTP request, by method and route template.",
    ["method", "route"],
)


def method_label(method: str) -> str:
    return method if method in KNOWN_METHODS else "other"


def observe(method: str, route: str, status: int, seconds: float) -> None:
    label = method_label(method)
    HTTP_REQUESTS.labels(method=label, route=route, status=str(status)).inc()
    HTTP_REQUEST_DURATION.labels(method=label, route=route).observe(seconds)


def render() -> tuple[bytes, str]:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
