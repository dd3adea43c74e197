"""Stack settings: ``load()`` turns ``Pulumi.<stack>.yaml`` into frozen, validated dataclasses.

Layer 1 of components/ (docs/architecture.md): imports nothing else from greenlight.
  fields.py     how a setting is declared (``setting()``, ``Secret``)
  grammar.py    the grammars values are checked against, quantities, the secret-env rule
  model.py      the dataclasses, with per-environment defaults
  reader.py     raw config -> dataclasses, collecting every problem
  rules.py      rules across fields (prod minimums, required pairs)
  problems.py   the one error format; ``ConfigError``
  loading.py    ``parse()`` (pure) and ``load()`` (the running stack)
  apps.py       ``AppSpec``: what one app's pieces need, so a stack can compose several apps
  reference.py  the README's settings table
"""

from components.settings.apps import AppSpec, app_spec
from components.settings.fields import Secret
from components.settings.grammar import BUILD, COLORS, ENVIRONMENTS
from components.settings.loading import load, parse, stack_file
from components.settings.model import Settings
from components.settings.problems import ConfigError

__all__ = [
    "BUILD",
    "COLORS",
    "ENVIRONMENTS",
    "AppSpec",
    "ConfigError",
    "Secret",
    "Settings",
    "app_spec",
    "load",
    "parse",
    "stack_file",
]
