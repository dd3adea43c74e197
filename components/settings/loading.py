"""Stack config -> validated Settings: the only code in greenlight that reads Pulumi config.

``load()`` reads the running stack's config (the Pulumi engine's or the offline preview's);
``parse()`` is the pure part tests call. Field problems and cross-field rules are collected and
raised together as one ``ConfigError`` naming the stack file, before any resource is registered.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.settings import rules
from components.settings.grammar import ENVIRONMENTS
from components.settings.model import Settings
from components.settings.problems import NAMESPACE, ConfigError
from components.settings.reader import Reader


def stack_file(stack: str) -> str:
    return f"Pulumi.{stack}.yaml"


def parse(raw: Mapping[str, Any], stack: str, secret_keys: set[str] | frozenset[str] = frozenset()) -> Settings:
    """Pure: raw config (``greenlight:key`` -> value) to validated Settings, or ConfigError."""
    prefix = f"{NAMESPACE}:"
    ours = {k[len(prefix) :]: v for k, v in raw.items() if k.startswith(prefix)}
    environment = str(ours.get("environment", ""))
    reader = Reader(environment if environment in ENVIRONMENTS else "dev", set(secret_keys))
    settings = reader.read(Settings, ours)
    problems = reader.problems or rules.check(settings, frozenset(reader.given))
    if problems:
        raise ConfigError(stack_file(stack), problems)
    return settings


def load() -> Settings:
    """Reads the running stack's config (the Pulumi engine's or the offline preview's)."""
    import pulumi
    from pulumi.runtime import config as runtime_config

    # The SDK has no public "all keys" call; unknown-key detection needs the whole map.
    raw: dict[str, Any] = {**runtime_config.get_config_env(), **runtime_config.CONFIG.get()}
    secret_keys = set(runtime_config.get_config_secret_keys_env()) | set(runtime_config._SECRET_KEYS.get())
    return parse(raw, pulumi.get_stack(), secret_keys)
