"""The one table of chart objects that may fail a policy or a checkov check, each with its reason and lift.

Chart objects (children of a helm.v4.Chart) are judged like greenlight's own. Where a chart cannot meet a
policy through its values, the finding is excepted here and nowhere else: by policy (or checkov check ID),
chart (the object's `helm.sh/chart` label without its version; "" for the objects a chart leaves
unlabelled, such as its CRDs), kind and name (shell patterns, for a family of objects one reason covers)
and, where set, the finding itself (a fragment of its message: exactly which labels, say).
The pack drops excepted findings; `chart-exceptions` (policies/greenlight_policies/charts.py) prints
every entry that applied and calls an entry stale when its chart is in the stack and it excepted nothing;
scripts/checkov_gate.py does the same for checkov's entries.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from fnmatch import fnmatchcase
from typing import Any

from greenlight_policies.kube import dig, kind_of, plain, rendered_by_chart

CHECKOV_PREFIX = "CKV"  # entries for checkov checks (scripts/checkov_gate.py) rather than pack policies
CHART_LABELS = ("helm.sh/chart", "chart")  # Helm's convention; kube-prometheus-stack's own objects use `chart`
VERSION_SUFFIX = re.compile(r"-v?\d+\.\d+\.\d+[^/]*$")
NODE_EXPORTER = ("prometheus-node-exporter", "kube-prometheus-stack-prometheus-node-exporter")
NODE_EXPORTER_REASON = (
    "node-exporter reports the node itself: it needs the host's network and PID namespaces and reads /proc, "
    "/sys and / from the host (its chart's hostNetwork, hostPID and hostRootFsMount)"
)
NODE_EXPORTER_LIFT = "none while node metrics are wanted; nodeExporter.enabled: false removes it and them"


@dataclass(frozen=True)
class ChartException:
    policy: str  # a pack policy, or a checkov check ID (CKV...)
    chart: str
    kind: str  # a shell pattern
    name: str  # a shell pattern
    reason: str
    lift: str  # the upstream issue or the value that would make the exception unnecessary
    finding: str = ""  # when set, only findings whose message contains it are excepted

    def covers(self, policy: str, chart: str, kind: str, name: str, message: str = "") -> bool:
        return (
            (self.policy, self.chart) == (policy, chart)
            and fnmatchcase(kind, self.kind)
            and fnmatchcase(name, self.name)
            and self.finding in message
        )

    def describe(self) -> str:
        where = f"{self.chart or 'unlabelled chart objects'} {self.kind}/{self.name}"
        return f"{self.policy} excepted for {where}: {self.reason}. Lifted by: {self.lift}."


EXCEPTIONS: tuple[ChartException, ...] = (
    ChartException("no-host-namespaces", *NODE_EXPORTER[:1], "DaemonSet", NODE_EXPORTER[1], NODE_EXPORTER_REASON,
                   NODE_EXPORTER_LIFT),
    ChartException("no-host-path-volumes", *NODE_EXPORTER[:1], "DaemonSet", NODE_EXPORTER[1], NODE_EXPORTER_REASON,
                   NODE_EXPORTER_LIFT),
)  # fmt: skip


def chart_of(props: Mapping[str, Any]) -> str:
    """`prometheus-node-exporter-4.56.1` -> `prometheus-node-exporter`; "" for an object without the label."""
    labels = dig(plain(props), "metadata", "labels") or {}
    for key in CHART_LABELS:
        if labels.get(key):
            return VERSION_SUFFIX.sub("", str(labels[key]))
    return ""


def identity(resource_type: str, props: Mapping[str, Any]) -> tuple[str, str, str]:
    """(chart, kind, name) of a chart object, as the table names them."""
    return chart_of(props), kind_of(resource_type), str(dig(plain(props), "metadata", "name") or "")


def find(policy: str, urn: str, resource_type: str, props: Mapping[str, Any], message: str) -> ChartException | None:
    """The entry excepting this finding of `policy`, if the object is a chart's and the table names it."""
    if not rendered_by_chart(urn):  # greenlight's own objects are never excepted
        return None
    chart, kind, name = identity(resource_type, props)
    return next((e for e in EXCEPTIONS if e.covers(policy, chart, kind, name, message)), None)


def lookup_check(check: str, chart: str, kind: str, name: str) -> ChartException | None:
    """The entry excepting checkov's `check` on a labelled chart object (checkov sees no parent: chart "" never)."""
    if not chart:
        return None
    return next((e for e in EXCEPTIONS if e.covers(check, chart, kind, name)), None)


def pack_entries() -> list[ChartException]:
    return [e for e in EXCEPTIONS if not e.policy.startswith(CHECKOV_PREFIX)]


def check_entries() -> list[ChartException]:
    return [e for e in EXCEPTIONS if e.policy.startswith(CHECKOV_PREFIX)]
