"""One JSON object per log line on stdout, for the app and for gunicorn's own messages."""

from __future__ import annotations

import json
import logging
import logging.config
import os
import re
import uuid
from datetime import UTC, datetime
from typing import Any

# Accept a caller's X-Request-ID only if it is short and boring, so it cannot inject log
# content or blow up log storage; otherwise generate a fresh one.
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._-]{1,128}$")
# Extra attributes copied from a LogRecord onto the JSON line when a caller sets them.
REQUEST_FIELDS = ("method", "path", "route", "status", "duration_ms", "remote_addr")


def sanitize_request_id(value: str | None) -> str:
    if value and _REQUEST_ID_RE.match(value):
        return value
    return uuid.uuid4().hex


def _current_request_id() -> str | None:
    try:
        from flask import g, has_request_context
    except ImportError:  # pragma: no cover - gunicorn master without flask is not a case
        return None
    if has_request_context():
        return g.get("request_id")
    return None


def rfc3339(created: float) -> str:
    stamp = datetime.fromtimestamp(created, tz=UTC).isoformat(timespec="milliseconds")
    return stamp.replace("+00:00", "Z")


class JsonFormatter(logging.Formatter):
    """Formats a record as a single-line JSON object with the fields the log pipeline keys on."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.service = os.environ.get("SERVICE_NAME") or "greenlight"
        self.version = os.environ.get("APP_VERSION") or "dev"

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": rfc3339(record.created),
            "level": record.levelname.lower(),
            "service": self.service,
            "version": self.version,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or _current_request_id(),
            "pid": record.process,
        }
        for field in REQUEST_FIELDS:
            if hasattr(record, field):
                payload[field] = getattr(record, field)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        return json.dumps(payload, default=str, separators=(",", ":"))


def logging_dict(level: str) -> dict[str, Any]:
    """dictConfig for gunicorn's `logconfig_dict`: every logger -> JSON on stdout."""
    level = level.upper()
    handler = {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"json": {"()": "greenlight_app.logs.JsonFormatter"}},
        "handlers": {"stdout": handler},
        "root": {"level": level, "handlers": ["stdout"]},
        "loggers": {
            "gunicorn.error": {"level": level, "handlers": ["stdout"], "propagate": False},
            # The app writes its own request lines (with request_id); gunicorn's are off.
            "gunicorn.access": {"level": "CRITICAL", "handlers": [], "propagate": False},
        },
    }


def configure(level: str) -> None:
    """Used outside gunicorn (migrations, `flask run`)."""
    logging.config.dictConfig(logging_dict(level))
