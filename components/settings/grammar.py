"""The grammars settings are checked against, and the quantities rules compare.

Each pattern names the consumer whose rules it follows (Kubernetes apimachinery, Prometheus,
CloudNativePG, OCI references), so a value accepted here is a value that consumer accepts.
"""

from __future__ import annotations

import re
from typing import Any

ENVIRONMENTS = ("dev", "staging", "prod")
COLORS = ("blue", "green")
# Who runs the Kubernetes control plane: the cloud (its scheduler, controller manager and etcd are not
# scrapeable) or the cluster's owner (kubeadm, k3s, ...).
MANAGED, SELF_MANAGED = "managed", "self-managed"
CONTROL_PLANES = (MANAGED, SELF_MANAGED)

# Kubernetes quantity and name grammars (apimachinery resource.Quantity, DNS-1123).
CPU = re.compile(r"^(\d+m|\d+(\.\d+)?)$")
MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti|K|M|G|T)?$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
DNS_NAME = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
# Prometheus duration: 30s, 5m, 15d ...
DURATION = re.compile(r"^\d+(ms|s|m|h|d|w|y)$")
_DURATION_SECONDS = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800, "y": 31536000}
# registry/path/name[:tag][@sha256:64 hex]
IMAGE = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)
SEMVER = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")
# CloudNativePG ScheduledBackup uses six-field cron (seconds first).
CRON6 = re.compile(r"^(\S+\s+){5}\S+$")
BUILD = "build"  # an image setting of "build" means: the image built from app/ by this stack


def one_of(*choices: str) -> Any:
    return lambda v: v in choices


def between(low: float, high: float) -> Any:
    return lambda v: low <= v <= high


def matches(pattern: re.Pattern[str], optional: bool = False) -> Any:
    return lambda v: (optional and v == "") or bool(pattern.fullmatch(v))


def image_ok(value: str) -> bool:
    return value in ("", BUILD) or bool(IMAGE.fullmatch(value))


def cpu_millicores(quantity: str) -> float:
    return float(quantity[:-1]) if quantity.endswith("m") else float(quantity) * 1000


def duration_seconds(duration: str) -> float:
    """A DURATION (one number, one unit) in seconds; a year is 365d, as Prometheus counts it."""
    number = re.match(r"^\d+", duration)
    assert number is not None
    return int(number.group(0)) * _DURATION_SECONDS[duration[number.end() :]]


def memory_bytes(quantity: str) -> float:
    units = {"K": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    units["Ti"] = 2**40
    number = re.match(r"^\d+(\.\d+)?", quantity)
    assert number is not None
    return float(number.group(0)) * units.get(quantity[number.end() :], 1)


CPU_ALLOWED = "a CPU quantity such as 250m or 1"
MEMORY_ALLOWED = "a memory quantity such as 256Mi or 1Gi"


# Environment variable names that look like they hold a credential. One rule, shared with the policy
# pack (policies/greenlight_policies/workloads.py keeps a copy; tests/ check the two agree): a name
# ending in a reference suffix (_FILE, _PATH, _NAME) names where a secret is, not the secret itself.
SECRET_ENV_NAME = r"PASSWORD|PASSWD|SECRET|TOKEN|KEY|CREDENTIAL"  # noqa: S105 - a pattern of names
SECRET_REFERENCE_SUFFIXES = ("_FILE", "_PATH", "_NAME")
_SECRET_ENV = re.compile(SECRET_ENV_NAME, re.IGNORECASE)


def is_secret_env_name(name: str) -> bool:
    return bool(_SECRET_ENV.search(name)) and not name.upper().endswith(SECRET_REFERENCE_SUFFIXES)
