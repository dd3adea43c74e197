"""Service settings, read from environment variables only (twelve-factor; see app/README.md)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

DEFAULT_SERVICE_NAME = "greenlight"
# How long a readiness verdict about the database is reused, so that kubelet probes from
# several containers (and load balancers) do not turn into a connection storm.
READINESS_CACHE_SECONDS = 1.5
# Upper bound for one database check; a probe's own timeoutSeconds is typically 1-5 s.
DB_CHECK_TIMEOUT_SECONDS = 2


class ConfigError(ValueError):
    """An environment variable holds a value the service cannot use; the message names it."""


@dataclass(frozen=True)
class Settings:
    service_name: str = DEFAULT_SERVICE_NAME
    app_version: str = "dev"
    database_url: str | None = None
    log_level: str = "info"
    fault_error_rate: float = 0.0
    fault_delay_seconds: float = 0.0
    enable_fault_injection: bool = False
    state_dir: str | None = None
    readiness_cache_seconds: float = READINESS_CACHE_SECONDS
    db_check_timeout_seconds: int = DB_CHECK_TIMEOUT_SECONDS


def _float(env: Mapping[str, str], name: str, default: float, low: float, high: float) -> float:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={raw!r} must be between {low} and {high}")
    return value


def from_env(env: Mapping[str, str] | None = None) -> Settings:
    env = os.environ if env is None else env
    return Settings(
        service_name=env.get("SERVICE_NAME") or DEFAULT_SERVICE_NAME,
        app_version=env.get("APP_VERSION") or "dev",
        database_url=env.get("DATABASE_URL") or None,
        log_level=(env.get("LOG_LEVEL") or "info").lower(),
        fault_error_rate=_float(env, "FAULT_ERROR_RATE", 0.0, 0.0, 1.0),
        fault_delay_seconds=_float(env, "FAULT_DELAY_SECONDS", 0.0, 0.0, 30.0),
        enable_fault_injection=env.get("ENABLE_FAULT_INJECTION", "") in ("1", "true", "yes"),
        state_dir=env.get("GREENLIGHT_STATE_DIR") or None,
    )
