"""A `--policy-pack-config` file, and each policy's level and properties resolved from it as the engine does."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from offline.stackconfig import UsageError

LEVELS = {"advisory": 0, "mandatory": 1, "disabled": 2, "remediate": 3}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}


def read_pack_config(config_file: Path) -> dict[str, Any]:
    """The `pulumi preview --policy-pack-config` format.

    {"all": LEVEL, POLICY: LEVEL or {"enforcementLevel": LEVEL, PROPERTY: VALUE, ...}}
    """
    try:
        given = json.loads(config_file.read_text())
    except (OSError, json.JSONDecodeError) as err:
        raise UsageError(f"--policy-pack-config {config_file}: {err}") from None
    expected = 'a JSON object like {"all": "mandatory", "<policy>": {"enforcementLevel": "advisory", ...}}'
    if not isinstance(given, dict):
        raise UsageError(f"--policy-pack-config {config_file}: expected {expected}")
    for name, value in given.items():
        if not isinstance(value, (str, dict)):
            raise UsageError(
                f"--policy-pack-config {config_file}: {name}: {json.dumps(value)} is neither a level nor an object; "
                f"expected {expected}"
            )
    return given


def resolve_policy_config(
    name: str, policy: Any, initial: dict[str, Any], given: dict[str, Any], config_file: Path | None
) -> tuple[str, dict[str, Any]]:
    """One policy's level and properties: the pack's defaults, then `all`, then the policy's own entry;
    properties are validated against the policy's schema (unknown ones refused)."""
    level: Any = LEVEL_NAMES[policy.enforcementLevel]
    properties: dict[str, Any] = {}
    for source in (initial.get("all"), initial.get(name), given.get("all"), given.get(name)):
        if isinstance(source, str):
            level = source
        elif isinstance(source, dict):
            source = dict(source)
            level = source.pop("enforcementLevel", level)
            properties.update(source)
    if not isinstance(level, str) or level not in LEVELS:
        raise UsageError(f"--policy-pack-config {config_file}: {name}: level {level!r}; allowed: {', '.join(LEVELS)}")
    schema = json_format.MessageToDict(policy.configSchema) if policy.HasField("configSchema") else {}
    if schema.get("properties"):
        import jsonschema  # here: a preview without a pack does not pay for importing it

        full = {"type": "object", "additionalProperties": False, **schema}
        for prop, spec in full["properties"].items():
            if "default" in spec:
                properties.setdefault(prop, spec["default"])
        try:
            jsonschema.validate(properties, full)
        except jsonschema.ValidationError as err:
            raise UsageError(f"--policy-pack-config {config_file}: {name}: {err.message}") from None
    elif properties:
        raise UsageError(f"--policy-pack-config {config_file}: {name} takes no properties, got {sorted(properties)}")
    return level, properties
