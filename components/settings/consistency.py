"""Rules that keep a stack file from saying what the cluster would refuse, or what would be silently ignored:
derived names within their limits, namespaces that do not collide, an environment greenlight does not
fight, test-only settings kept out of real environments, and settings that contradict each other.

Each problem names the setting (and, for a contradiction, the other setting it disagrees with).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from components.settings.credentials import is_plaintext_credential
from components.settings.model import Settings
from components.settings.names import MANAGED_ENV, OPERATOR_NAMESPACES, derived_names
from components.settings.problems import problem

# Kubernetes EnvVar names: C identifiers are what every shell and runtime can read back.
ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# Where each variable greenlight sets comes from, for the message that refuses overriding it.
MANAGED_FROM = {
    "PORT": "greenlight:app.port",
    "SERVICE_NAME": "greenlight:app.name",
    "APP_VERSION": "the track's version (app.version, release.<color>.version)",
    "LOG_LEVEL": "greenlight:environment (debug in dev, info elsewhere)",
    "DRAIN_SECONDS": "greenlight:app.drainSeconds",
    "DRAIN_DELAY_SECONDS": "greenlight (the preStop hook covers the delay)",
    "DEPLOYMENT_COLOR": "the release track's color",
    "DATABASE_URL": "the Database's Secret (greenlight:databasePassword)",
}
TEST_ONLY_IN = ("staging", "prod")


def derived_name_problems(s: Settings) -> Iterator[str]:
    """One message for the app name: the longest name every derived name allows, and one that breaks."""
    app = s.app.name
    derived = list(derived_names(app, s.environment))
    too_long = [d for d in derived if len(d.name) > d.limit]
    if too_long:
        longest = min(d.limit - (len(d.name) - len(app)) for d in derived)
        worst = max(too_long, key=lambda d: len(d.name) - d.limit)
        allowed = (
            f"a name of at most {longest} characters: {worst.what} {worst.name} would be "
            f"{len(worst.name)} characters, its limit is {worst.limit}"
        )
        yield problem("app.name", app, allowed)


def namespace_problems(s: Settings) -> Iterator[str]:
    if s.monitoring.enabled and s.app_namespace == s.monitoring.namespace:
        yield problem(
            "namespace", s.app_namespace, f"a namespace other than monitoring.namespace ({s.monitoring.namespace})"
        )
    if s.app_namespace in OPERATOR_NAMESPACES:
        yield problem(
            "namespace",
            s.app_namespace,
            f"a namespace of its own, not an operator's ({', '.join(OPERATOR_NAMESPACES)})",
        )


def environment_problems(s: Settings) -> Iterator[str]:
    for name, value in s.app.env.items():
        key = f"app.env.{name}"
        if not ENV_NAME.fullmatch(name):
            yield problem(key, name, "an environment variable name: letters, digits and _, not starting with a digit")
        elif name in MANAGED_ENV:
            yield problem(
                key, value, f"a variable greenlight does not set itself; {name} comes from {MANAGED_FROM[name]}"
            )
        elif is_plaintext_credential(name, value):
            allowed = (
                "no credential in plain env (it would sit in the ConfigMap, the state and every diff); make it a secret"
            )
            yield problem(key, "[plaintext]", allowed)


def test_only_problems(s: Settings) -> Iterator[str]:
    if s.alerting.for_scale != 1.0 and s.environment in TEST_ONLY_IN:
        allowed = "1 in staging and prod (a test-only setting: it shortens every alert's `for`)"
        yield problem("alerting.forScale", s.alerting.for_scale, allowed)


def _ignored(key: str, value: object, because: str) -> str:
    return problem(key, value, f"unset: it is ignored while {because}; remove it or change that setting")


def contradiction_problems(s: Settings, given: frozenset[str]) -> Iterator[str]:
    """Settings the user wrote that another setting makes meaningless or impossible."""
    if "app.replicas" in given and s.app.autoscaling.enabled:
        yield _ignored("app.replicas", s.app.replicas, "app.autoscaling.enabled is true (the HPA owns the count)")
    if s.release.scale_down_idle and s.release.strategy != "blue-green":
        yield _ignored(
            "release.scaleDownIdle",
            True,
            f"release.strategy is {s.release.strategy} (only blue-green has an idle color)",
        )
    if s.release.strategy != "canary":
        for key in sorted(k for k in given if k.startswith("release.canary.")):
            yield _ignored(key, "...", f"release.strategy is {s.release.strategy} (only a canary has steps)")
    if s.monitoring.loki_storage != "s3":
        for key in ("monitoring.lokiBucket", "monitoring.lokiEndpoint", "monitoring.lokiAccessKeyId"):
            if key in given:
                yield _ignored(key, "...", "monitoring.lokiStorage is filesystem")
    if not s.app.ingress.enabled:
        for key in ("app.ingress.tlsSecretName", "app.ingress.clusterIssuer"):
            if key in given:
                yield _ignored(key, "...", "app.ingress.enabled is false (no Ingress to carry TLS)")
    if not s.database.enabled:
        if s.database.backup.enabled and "database.backup.enabled" in given:
            yield _ignored("database.backup.enabled", True, "database.enabled is false (nothing to back up)")
        if s.database.restore.enabled:
            yield _ignored("database.restore.enabled", True, "database.enabled is false (nothing to restore into)")


def check(s: Settings, given: frozenset[str]) -> list[str]:
    return [
        *derived_name_problems(s),
        *namespace_problems(s),
        *environment_problems(s),
        *test_only_problems(s),
        *contradiction_problems(s, given),
    ]
