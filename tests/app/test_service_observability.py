"""The contract dashboards, alerts and the log pipeline rely on: metric names/labels, JSON logs."""

from __future__ import annotations

import re
import time
from datetime import datetime

from prometheus_client.parser import text_string_to_metric_families

from tests.support.app_server import ServiceProcess

REQUEST_LINE_FIELDS = {"method", "path", "status", "duration_ms"}
BASE_FIELDS = {"timestamp", "level", "service", "message", "request_id"}


def _metric_samples(svc: ServiceProcess) -> dict[str, list[tuple[str, dict[str, str], float]]]:
    reply = svc.request("/metrics")
    assert reply.status == 200
    assert reply.headers["content-type"].startswith("text/plain")
    families: dict[str, list[tuple[str, dict[str, str], float]]] = {}
    for family in text_string_to_metric_families(reply.body.decode()):
        families[family.name] = [(s.name, s.labels, s.value) for s in family.samples]
    return families


def _wait_for_log(svc: ServiceProcess, predicate: object, timeout: float = 5) -> list[dict]:
    deadline = time.monotonic() + timeout
    while True:
        lines = [line for line in svc.log_lines() if predicate(line)]  # type: ignore[operator]
        if lines or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


def test_metrics_names_and_labels(service: ServiceProcess) -> None:
    for _ in range(3):
        assert service.request("/").status == 200
    assert service.request("/api/items").status == 200
    assert service.request("/no/such/page/42").status == 404
    assert service.request("/metrics").status == 200  # the scrape itself is not counted

    families = _metric_samples(service)
    requests = {
        (labels["method"], labels["route"], labels["status"]): value
        for name, labels, value in families["http_requests"]
        if name == "http_requests_total"
    }
    assert requests[("GET", "/", "200")] == 3
    assert requests[("GET", "/api/items", "200")] == 1
    # The raw path never becomes a label value: unmatched routes share one series.
    assert requests[("GET", "unmatched", "404")] == 1
    assert not any(route == "/metrics" for _, route, _ in requests)
    assert all(set(labels) == {"method", "route", "status"} for _, labels, _ in families["http_requests"])

    duration = families["http_request_duration_seconds"]
    names = {name for name, _, _ in duration}
    assert names >= {
        "http_request_duration_seconds_bucket",
        "http_request_duration_seconds_count",
        "http_request_duration_seconds_sum",
    }
    counts = {
        (labels["method"], labels["route"]): value
        for name, labels, value in duration
        if name == "http_request_duration_seconds_count"
    }
    assert counts[("GET", "/")] == 3
    for name, labels, _ in duration:
        expected = {"method", "route", "le"} if name.endswith("_bucket") else {"method", "route"}
        assert set(labels) == expected, (name, labels)


def test_log_lines_are_json_with_the_contract_fields(service: ServiceProcess) -> None:
    service.request("/api/items", headers={"X-Request-ID": "log-check-1"})
    lines = _wait_for_log(service, lambda line: line.get("request_id") == "log-check-1")
    assert len(lines) == 1
    line = lines[0]
    assert BASE_FIELDS | REQUEST_LINE_FIELDS <= set(line)
    assert line["service"] == "greenlight-test"
    assert line["level"] == "info"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/items", 200)
    assert isinstance(line["duration_ms"], float) and line["duration_ms"] >= 0
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", line["timestamp"])
    datetime.fromisoformat(line["timestamp"].replace("Z", "+00:00"))
    # gunicorn's own messages go through the same formatter (log_lines() fails on non-JSON).
    every = service.log_lines()
    assert any(entry["logger"] == "gunicorn.error" for entry in every)
    assert all(BASE_FIELDS <= set(entry) for entry in every)


def test_request_id_is_propagated_or_generated(service: ServiceProcess) -> None:
    given = service.request("/", headers={"X-Request-ID": "abc-123.DEF_4"})
    assert given.headers["x-request-id"] == "abc-123.DEF_4"

    generated = service.request("/")
    assert re.fullmatch(r"[0-9a-f]{32}", generated.headers["x-request-id"])
    assert generated.headers["x-request-id"] != service.request("/").headers["x-request-id"]

    for invalid in ("has space", "x" * 129, "semi;colon", 'quote"d'):
        replaced = service.request("/", headers={"X-Request-ID": invalid})
        assert re.fullmatch(r"[0-9a-f]{32}", replaced.headers["x-request-id"]), invalid

    logged = _wait_for_log(service, lambda line: line.get("request_id") == generated.headers["x-request-id"])
    assert len(logged) == 1 and logged[0]["path"] == "/"
