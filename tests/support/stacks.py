"""Settings of the checked-in stacks, as the program sees them (shared by the monitoring/alerts tests)."""

from __future__ import annotations

from functools import cache

from components.settings import AppSpec, Settings, app_spec, parse
from offline import stackconfig
from tests.support.preview import ROOT


@cache
def stack_settings(stack: str, *overrides: str) -> Settings:
    config = stackconfig.load(ROOT, stack, list(overrides))
    return parse(config.config, stack, config.secret_keys)


@cache
def stack_app(stack: str, *overrides: str) -> AppSpec:
    """The stack's app, as the per-app pieces see it."""
    return app_spec(stack_settings(stack, *overrides))
