"""The one table of chart objects that may fail a policy, each with its reason and what would lift it.

Chart objects (children of a helm.v4.Chart) are judged like greenlight's own. Where a chart cannot meet a
policy through its values, the finding is excepted here and nowhere else: by policy, chart (the object's
`helm.sh/chart` label without its version), kind and name. The pack drops excepted findings and prints
every exception that applied (policy `chart-exceptions`, advisory), and calls an entry stale when its
chart is in the stack without the object it names.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import StackValidationArgs

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
    policy: str
    chart: str
    kind: str
    name: str
    reason: str
    lift: str  # the upstream issue or the value that would make the exception unnecessary

    def describe(self) -> str:
        where = f"{self.chart} {self.kind}/{self.name}"
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


def find(policy: str, urn: str, resource_type: str, props: Mapping[str, Any]) -> ChartException | None:
    """The exception covering `policy` on this object, if it is a chart object the table names."""
    if not rendered_by_chart(urn):
        return None
    return lookup(policy, chart_of(props), kind_of(resource_type), str(dig(plain(props), "metadata", "name") or ""))


def lookup(policy: str, chart: str, kind: str, name: str) -> ChartException | None:
    """The entry for `policy` (or checkov check ID) on chart `chart`'s `kind`/`name`; never one for chart ""."""
    if not chart:
        return None
    return next((e for e in EXCEPTIONS if (e.policy, e.chart, e.kind, e.name) == (policy, chart, kind, name)), None)


def applied(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    """Every exception that applies to an object of this stack, and every stale one."""
    present: dict[tuple[str, str, str], str] = {}
    charts: set[str] = set()
    for r in args.resources:
        if rendered_by_chart(r.urn):
            chart = chart_of(r.props)
            charts.add(chart)
            present[(chart, kind_of(r.resource_type), str(dig(plain(r.props), "metadata", "name") or ""))] = r.urn
    for e in (e for e in EXCEPTIONS if not e.policy.startswith(CHECKOV_PREFIX)):  # checkov's: checkov_gate
        urn = present.get((e.chart, e.kind, e.name))
        if urn:
            yield e.describe(), urn
        elif e.chart in charts:
            yield f"stale exception: chart {e.chart} renders no {e.kind}/{e.name}; remove it from the table.", ""
