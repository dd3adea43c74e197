"""The Flask application: demo routes, probes, metrics, request logging and fault injection.

gunicorn serves `greenlight_app.wsgi:app`; tests may call `create_app(settings)` directly.
"""

from __future__ import annotations

import logging
import random
import time
from dataclasses import dataclass
from typing import Any

from flask import Flask, Response, g, jsonify, request
from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from greenlight_app import config, db, logs, metrics
from greenlight_app.lifecycle import FaultConfig, FaultStore, Lifecycle

request_log = logging.getLogger("greenlight_app.http")

# Routes that are not "the application": never fault-injected, logged at DEBUG (kubelet hits
# them every few seconds). /metrics is also left out of http_requests_total so that scrapes do
# not dominate the request rate; probes are counted, under their own route label.
PROBE_ROUTES = frozenset({"/health", "/ready", "/metrics"})
UNCOUNTED_ROUTES = frozenset({"/metrics"})
EXTENSION = "greenlight"
VERSION_HEADER = "X-App-Version"  # scripts/smoke_test.py reads it
DEMO_ITEMS = ({"id": 1, "name": "demo item (no DATABASE_URL configured)"},)
ITEMS_LIMIT = 100


@dataclass
class Runtime:
    """What the request handlers need, stored on `app.extensions["greenlight"]`."""

    settings: config.Settings
    lifecycle: Lifecycle
    faults: FaultStore
    engine: Engine | None
    db_check: db.DatabaseCheck | None


def runtime_of(app: Flask) -> Runtime:
    runtime: Runtime = app.extensions[EXTENSION]
    return runtime


def _route_of_request() -> str:
    rule = request.url_rule
    return rule.rule if rule is not None else metrics.UNMATCHED_ROUTE


def create_app(settings: config.Settings | None = None) -> Flask:
    settings = settings or config.from_env()
    app = Flask(__name__)
    app.json.sort_keys = False  # type: ignore[attr-defined]
    engine = (
        db.make_engine(settings.database_url, settings.service_name, settings.db_check_timeout_seconds)
        if settings.database_url
        else None
    )
    runtime = Runtime(
        settings=settings,
        lifecycle=Lifecycle(settings.state_dir),
        faults=FaultStore(
            FaultConfig(settings.fault_error_rate, settings.fault_delay_seconds),
            settings.state_dir,
            runtime=settings.enable_fault_injection,
        ),
        engine=engine,
        db_check=db.DatabaseCheck(engine, settings.readiness_cache_seconds) if engine else None,
    )
    app.extensions[EXTENSION] = runtime
    _install_request_hooks(app, runtime)
    _install_probe_routes(app, runtime)
    _install_demo_routes(app, runtime)
    if settings.enable_fault_injection:
        _install_admin_routes(app, runtime)
    return app


def _install_request_hooks(app: Flask, runtime: Runtime) -> None:
    @app.before_request
    def start_request() -> Response | None:
        g.started = time.perf_counter()
        g.request_id = logs.sanitize_request_id(request.headers.get("X-Request-ID"))
        route = _route_of_request()
        if route in PROBE_ROUTES or route.startswith("/admin") or request.url_rule is None:
            return None
        fault = runtime.faults.current()
        if fault.delay_seconds > 0:
            time.sleep(fault.delay_seconds)
        if fault.error_rate > 0 and random.random() < fault.error_rate:  # noqa: S311 (sampling, not crypto)
            response = jsonify(error="injected fault", request_id=g.request_id)
            response.status_code = 500
            return response
        return None

    @app.after_request
    def finish_request(response: Response) -> Response:
        started = g.get("started", time.perf_counter())
        elapsed = time.perf_counter() - started
        route = _route_of_request()
        response.headers["X-Request-ID"] = g.get("request_id") or logs.sanitize_request_id(None)
        # Every answer says which version served it: a smoke test after a switch can tell the colors apart.
        response.headers[VERSION_HEADER] = runtime.settings.app_version
        if route not in UNCOUNTED_ROUTES:
            metrics.observe(request.method, route, response.status_code, elapsed)
        if route in PROBE_ROUTES:
            level = logging.DEBUG
        elif response.status_code >= 500:
            level = logging.ERROR
        else:
            level = logging.INFO
        request_log.log(
            level,
            "%s %s %s",
            request.method,
            request.path,
            response.status_code,
            extra={
                "method": request.method,
                "path": request.path,
                "route": route,
                "status": response.status_code,
                "duration_ms": round(elapsed * 1000, 3),
                "remote_addr": request.remote_addr,
            },
        )
        return response


def _install_probe_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/health")
    def health() -> Any:
        # Liveness: the process can answer. Deliberately no dependency checks here, or a
        # database outage would make Kubernetes restart every healthy pod.
        return {"status": "ok", "version": runtime.settings.app_version}

    @app.get("/ready")
    def ready() -> Any:
        checks: dict[str, str] = {}
        if runtime.lifecycle.draining:
            return {"status": "draining"}, 503
        if not runtime.lifecycle.started:
            return {"status": "starting"}, 503
        if runtime.db_check is not None:
            checks["database"] = "up" if runtime.db_check.healthy() else "down"
        if any(state != "up" for state in checks.values()):
            return {"status": "unavailable", "checks": checks}, 503
        return {"status": "ready", "checks": checks}

    @app.get("/metrics")
    def prometheus_metrics() -> Response:
        body, content_type = metrics.render()
        return Response(body, content_type=content_type)


def _install_demo_routes(app: Flask, runtime: Runtime) -> None:
    @app.get("/")
    def index() -> Any:
        settings = runtime.settings
        return {"service": settings.service_name, "version": settings.app_version}

    @app.get("/api/items")
    def list_items() -> Any:
        if runtime.engine is None:
            return {"items": list(DEMO_ITEMS), "source": "static"}
        try:
            with runtime.engine.connect() as connection:
                rows = connection.execute(
                    text("SELECT id, name FROM items ORDER BY id LIMIT :limit"),
                    {"limit": ITEMS_LIMIT},
                ).all()
        except SQLAlchemyError:
            logging.getLogger("greenlight_app.db").exception("listing items failed")
            return {"error": "database unavailable", "request_id": g.request_id}, 503
        return {"items": [{"id": row.id, "name": row.name} for row in rows], "source": "database"}


def _install_admin_routes(app: Flask, runtime: Runtime) -> None:
    """Registered only with ENABLE_FAULT_INJECTION=1: production never exposes it."""

    @app.post("/admin/fault")
    def set_fault() -> Any:
        body = request.get_json(silent=True) or {}
        try:
            error_rate = float(body.get("error_rate", 0.0))
            delay_seconds = float(body.get("delay_seconds", 0.0))
        except (TypeError, ValueError):
            return {"error": "error_rate and delay_seconds must be numbers"}, 400
        if not (0.0 <= error_rate <= 1.0 and 0.0 <= delay_seconds <= 30.0):
            return {"error": "error_rate must be in [0, 1], delay_seconds in [0, 30]"}, 400
        runtime.faults.set(FaultConfig(error_rate, delay_seconds))
        return {"error_rate": error_rate, "delay_seconds": delay_seconds}

    @app.get("/admin/fault")
    def get_fault() -> Any:
        fault = runtime.faults.current()
        return {"error_rate": fault.error_rate, "delay_seconds": fault.delay_seconds}


app = create_app()
