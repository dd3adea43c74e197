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


# Chart objects by (chart, kind, name), as the charts render them with greenlight's release names.
KPS, GRAFANA, KSM, NODE_EXPORTER_CHART = "kube-prometheus-stack", "grafana", "kube-state-metrics", NODE_EXPORTER[0]
OPERATOR = (KPS, "Deployment", "kube-prometheus-stack-operator")
GRAFANA_DEPLOYMENT = (GRAFANA, "Deployment", "kube-prometheus-stack-grafana")
KSM_DEPLOYMENT = (KSM, "Deployment", "kube-prometheus-stack-kube-state-metrics")
NODE_EXPORTER_DAEMONSET = (NODE_EXPORTER_CHART, "DaemonSet", NODE_EXPORTER[1])
LOKI_STATEFULSET = ("loki", "StatefulSet", "loki")
ALLOY_DAEMONSET = ("alloy", "DaemonSet", "alloy")
CNPG_DEPLOYMENT = ("cloudnative-pg", "Deployment", "cloudnative-pg")
ALL_LABELS = (
    "add the labels app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/version, "
    "app.kubernetes.io/component, app.kubernetes.io/part-of, team, cost-center."
)
NO_DIGEST = (
    "the image's digest is not known where greenlight is built (no registry access), and a made-up one would "
    "not pull; the tag is pinned and pulled Always"
)
API_CLIENT = "it watches the Kubernetes API (an operator, a service-discovery client or a config sidecar)"


def _digest(obj: tuple[str, str, str], value: str) -> tuple[ChartException, ...]:
    """The same image, by tag, seen by the pack (prod) and by checkov."""
    lift = f"set {value} to the digest of the pinned tag"
    return (ChartException("image-pinned", *obj, NO_DIGEST, lift), ChartException("CKV_K8S_43", *obj, NO_DIGEST, lift))


def _labels(chart: str, kind: str, name: str, finding: str, reason: str, lift: str) -> ChartException:
    return ChartException("recommended-labels", chart, kind, name, reason, lift, f": {finding}")


EXCEPTIONS: tuple[ChartException, ...] = (
    ChartException("no-host-namespaces", *NODE_EXPORTER_DAEMONSET, NODE_EXPORTER_REASON, NODE_EXPORTER_LIFT),
    ChartException("no-host-path-volumes", *NODE_EXPORTER_DAEMONSET, NODE_EXPORTER_REASON, NODE_EXPORTER_LIFT),
    ChartException("CKV_K8S_17", *NODE_EXPORTER_DAEMONSET, NODE_EXPORTER_REASON, NODE_EXPORTER_LIFT),
    ChartException("CKV_K8S_19", *NODE_EXPORTER_DAEMONSET, NODE_EXPORTER_REASON, NODE_EXPORTER_LIFT),
    *_digest(OPERATOR, "prometheusOperator.image.sha"),
    *_digest(GRAFANA_DEPLOYMENT, "grafana.image.sha and grafana.sidecar.image.sha"),
    *_digest(KSM_DEPLOYMENT, "kube-state-metrics.image.sha"),
    *_digest(NODE_EXPORTER_DAEMONSET, "prometheus-node-exporter.image.digest"),
    *_digest(LOKI_STATEFULSET, "loki.image.digest"),
    *_digest(ALLOY_DAEMONSET, "image.digest"),
    *_digest(CNPG_DEPLOYMENT, "image.tag (the chart takes no digest: tag@sha256:...)"),
    ChartException("min-replicas", *OPERATOR, "the Prometheus Operator has no leader election: two would both "
                   "reconcile (its chart hard-codes replicas: 1); while it restarts, Prometheus and Alertmanager keep "
                   "running", "upstream: leader election in prometheus-operator"),
    ChartException("min-replicas", *GRAFANA_DEPLOYMENT, "more than one Grafana needs a shared database; this one "
                   "keeps its state in an emptyDir (dashboards and data sources are provisioned, so a restart loses "
                   "nothing configured)", "grafana.ini database.type: postgres and replicas: 2"),
    ChartException("min-replicas", *KSM_DEPLOYMENT, "two kube-state-metrics replicas export every series twice "
                   "(the rules would count everything double)", "kube-state-metrics.autosharding.enabled with 2 "
                   "replicas (a StatefulSet of shards)"),
    ChartException("rollback-plan", *KSM_DEPLOYMENT, "the chart sets only the strategy type (updateStrategy), not "
                   "maxUnavailable; with one replica a rollout briefly has none", "upstream: a full strategy value "
                   "in the kube-state-metrics chart"),
    *(ChartException("CKV_K8S_38", *obj, API_CLIENT, "none: it cannot work without its token")
      for obj in (OPERATOR, GRAFANA_DEPLOYMENT, KSM_DEPLOYMENT, ALLOY_DAEMONSET, CNPG_DEPLOYMENT)),
    ChartException("CKV_K8S_35", *GRAFANA_DEPLOYMENT, "the chart passes the admin credentials from "
                   "admin.existingSecret as environment variables", "upstream: mount them and use "
                   "GF_SECURITY_ADMIN_PASSWORD__FILE"),
    ChartException("CKV_K8S_35", *LOKI_STATEFULSET, "Loki expands ${LOKI_S3_SECRET_ACCESS_KEY} in its config from "
                   "the environment (-config.expand-env); the key stays in a Secret", "S3 access through a workload "
                   "identity (IRSA, GKE Workload Identity) instead of a key"),
    ChartException("alert-metadata", KPS, "PrometheusRule", "kube-prometheus-stack-general.rules", "InfoInhibitor "
                   "is kube-prometheus's inhibition helper, severity none by design: Alertmanager routes it nowhere "
                   "and uses it to hold back info alerts (components/objects/alertmanager.py)", "defaultRules.disabled"
                   ".InfoInhibitor: true once no inhibition needs it", "Alert InfoInhibitor: set labels.severity"),
    ChartException("CKV_K8S_49", KPS, "ClusterRole", "kube-prometheus-stack-operator", "the operator manages every "
                   "object of its CRDs' group (monitoring.coreos.com/*)", "upstream: list the operator's resources"),
    ChartException("CKV_K8S_155", "cloudnative-pg", "ClusterRole", "cloudnative-pg", "the operator patches its own "
                   "webhook configurations with the CA it generates", "cert-manager issuing the webhook certificate "
                   "(webhook.certManager), then upstream: drop the verbs"),
    _labels("", "CustomResourceDefinition", "*.monitoring.coreos.com", ALL_LABELS, "the CRD charts render their "
            "CRDs without labels", "upstream: labels in prometheus-operator-crds"),
    _labels("", "CustomResourceDefinition", "*.postgresql.cnpg.io", ALL_LABELS, "the CRD charts render their CRDs "
            "without labels", "upstream: labels on the cloudnative-pg CRDs"),
    _labels("", "CustomResourceDefinition", "podlogs.monitoring.grafana.com", ALL_LABELS, "the CRD charts render "
            "their CRDs without labels", "upstream: labels on the alloy chart's CRD"),
    _labels(KPS, "*", "*", "add the labels app.kubernetes.io/name, app.kubernetes.io/component.",
            "kube-prometheus-stack gives name and component to its workloads only, and commonLabels cannot add "
            "them (a label given twice is an error); team and cost-center come from commonLabels",
            "upstream: name and component on every kube-prometheus-stack object"),
    _labels("loki", "*", "*", "add the labels app.kubernetes.io/part-of.", "the loki chart sets part-of "
            "(memberlist) on some objects only, so commonLabels cannot add it", "upstream: part-of on every object"),
    _labels("loki", "*", "*", "add the labels app.kubernetes.io/component, app.kubernetes.io/part-of.",
            "the loki chart sets component and part-of on some objects only, so commonLabels cannot add them",
            "upstream: component and part-of on every object"),
    _labels("alloy", "*", "*", "add the labels team, cost-center.", "the alloy chart takes labels for its pods "
            "only (controller.podLabels, set)", "upstream: commonLabels in the alloy chart"),
    _labels("alloy", "DaemonSet", "alloy", "add the labels app.kubernetes.io/component, team, cost-center.",
            "the alloy chart takes labels for its pods only (controller.podLabels, set) and sets no component",
            "upstream: commonLabels in the alloy chart"),
    _labels("cloudnative-pg", "*", "*", "add the labels app.kubernetes.io/component, app.kubernetes.io/part-of, "
            "team, cost-center.", "the cloudnative-pg chart takes labels for its pods only (podLabels, set)",
            "upstream: commonLabels in the cloudnative-pg chart"),
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
