"""The compliant twin: a prod app of raw Kubernetes objects that the prod policy pack passes clean.

    python -m offline preview --stack prod --cwd tests/policies/corpus/twin --policy-pack policies \
        --policy-pack-config policies/config/prod.json [--config "twin:case=<id>"]

With `twin:case`, one case of ../noncompliant_programs.yaml changes one thing before the objects are
registered; the pack must then report that case's violation (tests/policies/test_corpus.py).
"""

from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml
from twin_changes import apply, change_of
from twin_manifests import MONITORING, labels, manifests

NAMESPACE = "shop"
PROTECTED = ("assets-pvc",)  # stateful: protected in prod
# Typed resource modules by apiVersion; other kinds (the Prometheus Operator's) go through CustomResource.
MODULES = {
    "v1": k8s.core.v1,
    "apps/v1": k8s.apps.v1,
    "batch/v1": k8s.batch.v1,
    "policy/v1": k8s.policy.v1,
    "networking.k8s.io/v1": k8s.networking.v1,
    "rbac.authorization.k8s.io/v1": k8s.rbac.v1,
    "autoscaling/v2": k8s.autoscaling.v2,
}


def snake(field: str) -> str:
    return "".join(f"_{c.lower()}" if c.isupper() else c for c in field)


def register(key: str, manifest: dict[str, Any]) -> None:
    """One object as a program registers it: the typed class for its kind, protected where stateful."""
    opts = pulumi.ResourceOptions(protect=key in PROTECTED)
    api_version, kind = manifest["apiVersion"], manifest["kind"]
    fields = {k: v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    module = MODULES.get(api_version)
    if module is None:
        k8s.apiextensions.CustomResource(key, api_version=api_version, kind=kind, opts=opts, **fields)
        return
    getattr(module, kind)(key, opts=opts, **{snake(k): v for k, v in fields.items()})


def charts() -> None:
    """The platform: kube-prometheus-stack (Alertmanager reads the config Secret), Loki, Alloy."""
    values = {"alertmanager": {"alertmanagerSpec": {"configSecret": "alertmanager-config"}}}
    for chart, repository, version, chart_values in (
        ("kube-prometheus-stack", "https://prometheus-community.github.io/helm-charts", "91.0.0", values),
        ("loki", "https://grafana-community.github.io/helm-charts", "18.13.1", {"deploymentMode": "Monolithic"}),
        ("alloy", "https://grafana.github.io/helm-charts", "1.10.1", {}),
    ):
        k8s.helm.v4.Chart(
            chart,
            chart=chart,
            version=version,
            repository_opts={"repo": repository},
            namespace=MONITORING,
            values=chart_values,
        )


config = pulumi.Config("twin")
case = config.get("case")
change = change_of(case) if case else {}
objects = manifests(change.get("namespace", NAMESPACE))
apply(change, objects)
in_yaml = {key: "v2" for key in change.get("yaml") or []} | {key: "v1" for key in change.get("yaml_v1") or []}
for key, manifest in objects.items():
    if key not in in_yaml:
        register(key, manifest)
k8s.core.v1.Secret(
    "web-credentials",
    metadata={
        "name": "web-credentials",
        "namespace": objects["web"]["metadata"].get("namespace"),
        "labels": labels("server"),
    },
    string_data={"DB_PASSWORD": config.require_secret("dbPassword")},
)
# The objects a case moves into YAML, as the manifest text a user keeps beside the program.
moved = {form: [objects[key] for key, how in in_yaml.items() if how == form] for form in ("v1", "v2")}
if moved["v2"]:
    k8s.yaml.v2.ConfigGroup("twin-yaml-v2", yaml=yaml.safe_dump_all(moved["v2"], sort_keys=False))
if moved["v1"]:
    k8s.yaml.ConfigGroup("twin-yaml-v1", yaml=[yaml.safe_dump_all(moved["v1"], sort_keys=False)])
charts()
