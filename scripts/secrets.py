"""The secrets a stack needs, which are missing or still placeholders, and how to set them.

    python -m scripts.secrets STACK [--cwd DIR] [--check]

Which secrets a stack *requires* is not a list kept here: it is asked of the settings rules
themselves. With every secret given, the stack's settings must be valid; a secret is required
when leaving it out alone makes them invalid, and the rule's own message says why. The other
secret settings are optional. The committed `secure:` values are placeholders only the offline
preview reads (`v1:<stack>-placeholder:...`): a real secrets provider cannot decrypt them, so
`pulumi up` fails on every one of them, optional or not, until it is set or removed.

Exit 0: listed (with --check: nothing to do); 1: with --check, a secret must be set or removed;
2: the stack file or its other settings are invalid (one message naming the file).
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.settings import ConfigError, Settings, parse
from components.settings.problems import NAMESPACE
from components.settings.reference import field_docs
from offline import stackconfig
from offline.errors import fail

ROOT = Path(__file__).resolve().parents[1]
EXIT_OK, EXIT_ACTION_NEEDED, EXIT_ERROR = 0, 1, 2
# The committed stack files' ciphertexts look like this (see the comment above them in Pulumi.dev.yaml).
PLACEHOLDER_MARK = "-placeholder:"
# A value that satisfies any secret rule while probing which secrets the rules require.
PROBE_VALUE = "probe"

MISSING, PLACEHOLDER, PLAINTEXT, SET = "missing", "placeholder", "plaintext", "set"


@dataclass(frozen=True)
class SecretStatus:
    key: str  # greenlight:<key>
    doc: str
    required_because: tuple[str, ...]  # the rules' messages when it is left out; empty: optional
    state: str  # missing, placeholder, plaintext or set

    @property
    def required(self) -> bool:
        return bool(self.required_because)

    @property
    def needs_action(self) -> bool:
        """Must be set (or, if optional, removed) before `pulumi up` can work."""
        return self.state in (PLACEHOLDER, PLAINTEXT) or (self.required and self.state == MISSING)


def secret_settings() -> dict[str, str]:
    """`greenlight:<key>` -> meaning, for every secret setting (the README reference's secret rows)."""
    keys = {f"{NAMESPACE}:{key}": doc for key, kind, _default, doc in field_docs(Settings) if kind == "secret"}
    nested = [key for key in keys if "." in key]
    if nested:  # `pulumi config set --secret --path` and the probe below would need object handling
        raise NotImplementedError(f"secret settings inside objects are not supported here: {nested}")
    return keys


def problems(config: Mapping[str, Any], secret_keys: set[str], stack: str) -> list[str]:
    try:
        parse(config, stack, secret_keys)
    except ConfigError as error:
        return list(error.problems)
    return []


def required_by_rules(config: Mapping[str, str], secret_keys: frozenset[str], stack: str) -> dict[str, list[str]]:
    """Secret key -> the rules' problems when only that secret is left out (empty list: optional)."""
    secrets = secret_settings()
    others = {k: v for k, v in config.items() if k not in secrets}
    other_secret_keys = set(secret_keys) - set(secrets)
    everything = {**others, **dict.fromkeys(secrets, PROBE_VALUE)}
    baseline = problems(everything, other_secret_keys | set(secrets), stack)
    if baseline:  # the stack is invalid whatever its secrets: say so instead of guessing
        raise ConfigError(f"Pulumi.{stack}.yaml", baseline)
    without: dict[str, list[str]] = {}
    for key in secrets:
        config_without = {k: v for k, v in everything.items() if k != key}
        without[key] = problems(config_without, other_secret_keys | (set(secrets) - {key}), stack)
    return without


def state_in_file(raw_value: Any) -> str:
    if raw_value is None or raw_value == "":
        return MISSING
    if not (isinstance(raw_value, dict) and set(raw_value) == {"secure"}):
        return PLAINTEXT
    return PLACEHOLDER if PLACEHOLDER_MARK in str(raw_value["secure"]) else SET


def stack_secrets(cwd: Path, stack: str) -> list[SecretStatus]:
    config = stackconfig.load(cwd, stack, [])
    # The stack file as written (secure: values and all), read as strictly as the settings were.
    raw = stackconfig.stack_config_document(cwd, stack, config.project)
    docs = secret_settings()
    required = required_by_rules(config.config, config.secret_keys, stack)
    return [SecretStatus(key, docs[key], tuple(required[key]), state_in_file(raw.get(key))) for key in docs]


def set_command(stack: str, key: str) -> str:
    # No value on the command line: pulumi prompts for it, so it stays out of the shell history.
    return f"pulumi config set --stack {stack} --secret {key}"


def _why(problem: str) -> str:
    """The reason in a rule's `... allowed: a secure value (WHY); set it with ...`, else the whole problem."""
    found = re.search(r"allowed: a secure value \((?P<why>[^)]*)\)", problem)
    return found.group("why") if found else problem


def report(stack: str, statuses: list[SecretStatus]) -> list[str]:
    width = max(len(s.key) for s in statuses) + 2
    lines = [f"Secrets of stack {stack} (Pulumi.{stack}.yaml):", ""]
    lines.append(f"  {'key':<{width}}{'needed':<10}{'state':<13}why")
    for s in sorted(statuses, key=lambda s: (not s.required, s.key)):
        why = _why(s.required_because[0]) if s.required else s.doc
        lines.append(f"  {s.key:<{width}}{'required' if s.required else 'optional':<10}{s.state:<13}{why}")
    todo = [s for s in statuses if s.needs_action]
    if not todo:
        return [*lines, "", "Nothing to do: every required secret is set, and no placeholder is left."]
    lines += ["", f"To do before `pulumi up` ({len(todo)}): pulumi prompts for each value."]
    for s in sorted(todo, key=lambda s: (not s.required, s.key)):
        lines.append(f"  {set_command(stack, s.key)}")
        if not s.required:
            lines.append(f"    # optional: or remove it with `pulumi config rm --stack {stack} {s.key}`")
    if any(s.state == PLACEHOLDER for s in todo):
        lines += ["", "Placeholders are for the offline preview: a real secrets provider cannot decrypt them."]
    return lines


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m scripts.secrets", description=__doc__.split("\n")[0])
    parser.add_argument("stack", help="stack name: reads Pulumi.<stack>.yaml")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="Pulumi project directory (default: the repository)")
    parser.add_argument("--check", action="store_true", help="exit 1 when a secret must be set or removed")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    args = parser.parse_args(argv)
    try:
        statuses = stack_secrets(args.cwd.resolve(), args.stack)
    except Exception as error:  # noqa: BLE001 - the stack file or settings: one message, exit 2
        return fail(error, "secrets", args.debug)
    print("\n".join(report(args.stack, statuses)))
    return EXIT_ACTION_NEEDED if args.check and any(s.needs_action for s in statuses) else EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
