"""The plaintext-credential rule for environment variables, shared with the policy pack.

The rule lives in the pack (policies/greenlight_policies/credentials.py) because the pack must be
self-contained; settings load that very file, so `app.env` and the pack's literal-secret-env policy
accept and refuse exactly the same variables.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

RULE_FILE = Path(__file__).resolve().parents[2] / "policies" / "greenlight_policies" / "credentials.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("greenlight_credentials_rule", RULE_FILE)
    assert spec is not None and spec.loader is not None, RULE_FILE
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_RULE = _load()


def is_plaintext_credential(name: str, value: str) -> bool:
    return bool(_RULE.is_plaintext_credential(name, value))


def names_a_credential(name: str) -> bool:
    return bool(_RULE.names_a_credential(name))
