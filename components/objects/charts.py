"""The Helm charts greenlight installs, pinned: chart, version, repository — written once.

A helm.v4.Chart renders the chart in the provider and registers every object as its own Pulumi
resource, so the policy pack sees each one and `pulumi preview` diffs per object (a v3 Release is one
opaque resource). The price: v4 runs no Helm hooks; the values switch hook-only parts off.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ChartSource:
    chart: str
    version: str
    repository: str


# Pinned versions (chart release notes, prometheus-community/helm-charts and grafana-community/helm-charts):
# kube-prometheus-stack 91.0.0 bumps prometheus-operator to v0.94.0; prometheus-operator-crds 32.0.0
# ships the CRDs of that same operator version.
OPERATOR_CRDS = ChartSource("prometheus-operator-crds", "32.0.0", "https://prometheus-community.github.io/helm-charts")
KUBE_PROMETHEUS_STACK = ChartSource(
    "kube-prometheus-stack", "91.0.0", "https://prometheus-community.github.io/helm-charts"
)
# Loki's OSS chart moved to grafana-community on 2026-03-16 (grafana/loki#20705); 18.x supports
# deploymentMode Monolithic (Loki 3.7).
LOKI = ChartSource("loki", "18.13.1", "https://grafana-community.github.io/helm-charts")
# Alloy replaces Promtail (end of life March 2026); its chart stays in grafana/helm-charts.
ALLOY = ChartSource("alloy", "1.10.1", "https://grafana.github.io/helm-charts")

# CloudNativePG operator chart. 0.29.0 is the release that ships operator 1.30.0 (the chart index's
# appVersion, 2026-06-29), the newest minor, which the charts repo says is the only one it supports.
CLOUDNATIVE_PG = ChartSource("cloudnative-pg", "0.29.0", "https://cloudnative-pg.github.io/charts")
# The Barman Cloud plugin's chart, same repository. 0.7.0 (2026-06-10) is the newest release and ships
# plugin v0.13.0 (appVersion), which supports CloudNativePG >= 1.26; its ObjectStore CRD schema is the
# one plugin v0.14.0 publishes (the chart's templates/crds/crds.yaml, compared field for field). Its
# templates create a cert-manager Issuer and two Certificates: cert-manager must be installed first.
BARMAN_CLOUD_PLUGIN = ChartSource("plugin-barman-cloud", "0.7.0", "https://cloudnative-pg.github.io/charts")

# Helm release names; kube-prometheus-stack's is part of the contract (components/contract.py).
OPERATOR_CRDS_RELEASE = "prometheus-operator-crds"
LOKI_RELEASE = "loki"
ALLOY_RELEASE = "alloy"
CLOUDNATIVE_PG_RELEASE = "cloudnative-pg"
# The chart's fullname is the release name when it contains the chart name: Deployment, ServiceAccount
# and ClusterRole are then called plugin-barman-cloud, as in the plugin's own manifest.
BARMAN_CLOUD_PLUGIN_RELEASE = "plugin-barman-cloud"
