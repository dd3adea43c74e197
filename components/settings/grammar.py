"""The grammars settings are checked against, each the one its consumer applies, so that a value
accepted here is a value the consumer accepts, and nothing valid is refused:

- object names and label values: Kubernetes apimachinery (k8s.io/apimachinery/pkg/util/validation:
  IsDNS1123Label, IsDNS1035Label, IsDNS1123Subdomain, IsValidLabelValue);
- quantities: apimachinery resource.Quantity (k8s.io/apimachinery/pkg/api/resource/quantity.go);
- durations: Prometheus model.ParseDuration (prometheus/common/model/time.go), which Loki reads too;
- backup schedules: robfig/cron v3 with a seconds field, as CloudNativePG's ScheduledBackup documents;
- images: the OCI distribution reference grammar (distribution/reference/regexp.go), simplified.
"""

from __future__ import annotations

import re
from typing import Any

ENVIRONMENTS = ("dev", "staging", "prod")
COLORS = ("blue", "green")
BUILD = "build"  # an image setting of "build" means: the image built from app/ by this stack
# Who runs the Kubernetes control plane: the cloud (its scheduler, controller manager and etcd are not
# scrapeable) or the cluster's owner (kubeadm, k3s, ...).
MANAGED, SELF_MANAGED = "managed", "self-managed"
CONTROL_PLANES = (MANAGED, SELF_MANAGED)

# --- names ---
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")  # DNS-1123 label: namespaces, most names
DNS_1035_LABEL = re.compile(r"^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$")  # Services: must start with a letter
DNS_NAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
LABEL_VALUE = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
MAX_NAME = 63  # a DNS-1123 label, and a label value
# Namespaces Kubernetes itself owns (kube-system, kube-public, kube-node-lease, and any future kube-*)
# and the one every object falls into by accident.
RESERVED_NAMESPACES = re.compile(r"^(default|kube-.*)$")

# --- quantities (apimachinery resource.Quantity: number, then a binary-SI, decimal-SI or exponent suffix) ---
QUANTITY = re.compile(
    r"^(?P<number>[0-9]+(\.[0-9]*)?|\.[0-9]+)(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]|[eE][+-]?[0-9]+)?$"
)
_SUFFIX = {"": 1, "n": 1e-9, "u": 1e-6, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15, "E": 1e18}
_SUFFIX |= {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
CPU_ALLOWED = "a CPU quantity such as 250m, 0.5 or 2"
MEMORY_ALLOWED = "a memory quantity in bytes such as 256Mi, 1Gi or 500M (m would mean millibytes)"


def quantity(text: str) -> float | None:
    """The value of a Kubernetes quantity, or None when it is not one."""
    match = QUANTITY.fullmatch(text)
    if match is None:
        return None
    suffix = match.group("suffix") or ""
    scale = 10 ** int(suffix[1:]) if suffix[:1] in ("e", "E") else _SUFFIX[suffix]
    return float(match.group("number")) * scale


def cpu_ok(text: str) -> bool:
    """Any positive quantity (Kubernetes accepts 1k too); less than 1m is below what the kubelet can give."""
    value = quantity(text)
    return value is not None and value >= 1e-3


def memory_ok(text: str) -> bool:
    """Bytes: a fractional suffix (m, u, n) is legal for Kubernetes and always a typo for memory."""
    value = quantity(text)
    return value is not None and value >= 1 and not re.search(r"[mun]$", text)


def cpu_millicores(text: str) -> float:
    return (quantity(text) or 0.0) * 1000


def memory_bytes(text: str) -> float:
    return quantity(text) or 0.0


# --- Prometheus durations: units from largest to smallest, each at most once; "1h30m" is one ---
_DURATION_UNITS = (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600), ("m", 60), ("s", 1), ("ms", 1e-3))
DURATION = re.compile("^" + "".join(rf"((?P<{u}>[0-9]+){u})?" for u, _ in _DURATION_UNITS) + "$")
DURATION_ALLOWED = "a Prometheus duration such as 30s, 5m, 1h30m, 15d or 2w"


def duration_seconds(text: str) -> float | None:
    """Seconds of a Prometheus duration, or None when Prometheus would refuse it (empty, 0 or unordered)."""
    match = DURATION.fullmatch(text) if text else None
    if match is None:
        return None
    seconds = sum(int(match.group(u)) * factor for u, factor in _DURATION_UNITS if match.group(u))
    return seconds if seconds > 0 else None


def duration_at_least(minimum_seconds: float) -> Any:
    return lambda v: (duration_seconds(v) or 0) >= minimum_seconds


def duration_between(minimum_seconds: float, maximum_seconds: float) -> Any:
    return lambda v: minimum_seconds <= (duration_seconds(v) or 0) <= maximum_seconds


# --- robfig/cron v3 with seconds (CloudNativePG ScheduledBackup.spec.schedule) ---
_MONTHS = "JAN FEB MAR APR MAY JUN JUL AUG SEP OCT NOV DEC".split()
_DAYS = "SUN MON TUE WED THU FRI SAT".split()
# field -> (low, high, names); day of month and week also take "?"
CRON_FIELDS: tuple[tuple[str, int, int, list[str]], ...] = (
    ("seconds", 0, 59, []),
    ("minutes", 0, 59, []),
    ("hours", 0, 23, []),
    ("day of month", 1, 31, []),
    ("month", 1, 12, _MONTHS),
    ("day of week", 0, 6, _DAYS),
)
CRON_DESCRIPTORS = re.compile(r"^@(yearly|annually|monthly|weekly|daily|midnight|hourly)$")
CRON_EVERY = re.compile(r"^@every ([0-9]+(\.[0-9]+)?(ns|us|µs|ms|s|m|h))+$")  # a Go time.Duration
CRON_ALLOWED = "a six-field cron with seconds first (e.g. '0 30 2 * * *', every field in range) or @daily"


def _cron_value(text: str, low: int, names: list[str]) -> int | None:
    if text.isdigit():
        return int(text)
    upper = text.upper()
    return names.index(upper) + low if upper in names else None


def _cron_field_ok(text: str, low: int, high: int, names: list[str]) -> bool:
    for part in text.split(","):
        span, _, step = part.partition("/")
        if step and not (step.isdigit() and int(step) > 0):
            return False
        if span in ("*", "?"):
            continue
        first, _, last = span.partition("-")
        bounds = [_cron_value(first, low, names), _cron_value(last, low, names) if last else None]
        if bounds[0] is None or (last and bounds[1] is None):
            return False
        if not all(low <= b <= high for b in bounds if b is not None) or (
            bounds[1] is not None and bounds[1] < bounds[0]
        ):
            return False
    return True


def cron_ok(text: str) -> bool:
    if CRON_DESCRIPTORS.fullmatch(text) or CRON_EVERY.fullmatch(text):
        return True
    fields = text.split()
    if len(fields) != len(CRON_FIELDS):
        return False
    return all(
        _cron_field_ok(f, low, high, names) for f, (_, low, high, names) in zip(fields, CRON_FIELDS, strict=True)
    )


# --- images and versions ---
# registry[:port]/path/name[:tag][@sha256:64 hex]
IMAGE = re.compile(
    r"^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(/[a-z0-9]+([._-][a-z0-9]+)*)*"
    r"(:[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?(@sha256:[a-f0-9]{64})?$"
)
REGISTRY = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*(:[0-9]{1,5})?$")
SEMVER = re.compile(r"^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$")


def image_ok(value: str) -> bool:
    return value in ("", BUILD) or bool(IMAGE.fullmatch(value))


# --- checks a setting() field takes ---
def one_of(*choices: str) -> Any:
    return lambda v: v in choices


def between(low: float, high: float) -> Any:
    return lambda v: low <= v <= high


def matches(pattern: re.Pattern[str], optional: bool = False) -> Any:
    return lambda v: (optional and v == "") or bool(pattern.fullmatch(v))


def optional(check: Any) -> Any:
    """Empty means unset; anything else must pass `check`."""
    return lambda v: v == "" or check(v)


def namespace_ok(value: str) -> bool:
    return bool(DNS_LABEL.fullmatch(value)) and not RESERVED_NAMESPACES.fullmatch(value)
