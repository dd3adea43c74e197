"""The compliant twin: a prod app of raw Kubernetes objects that the prod policy pack passes clean.

    python -m offline preview --stack prod --cwd tests/policies/corpus/twin --policy-pack policies \
        --policy-pack-config policies/config/prod.json --charts tests/policies/corpus/twin/charts \
        [--config "twin:case=<id>"]

With `twin:case`, one case of ../noncompliant_programs.yaml changes one thing before the objects are
registered; the pack must then report that case's violation (tests/policies/test_corpus.py). With
`twin:route` (yaml, yaml_v1, file, file_v1 or chart), the unchanged objects are registered that way
instead of by their typed classes, and must pass clean just the same.
"""

import atexit
import shutil
import tempfile
from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import yaml
from twin_changes import apply, change_of, routes, whole_app_by
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


def manifest_file(manifests: list[dict[str, Any]]) -> str:
    """The manifests as a file a user keeps beside the program (here a scratch file, removed at exit)."""
    folder = tempfile.mkdtemp(prefix="twin-manifests-")
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    path = Path(folder) / "manifests.yaml"
    path.write_text(yaml.safe_dump_all(manifests, sort_keys=False))
    return str(path)


def register_elsewhere(route: str, manifests: list[dict[str, Any]], release_namespace: str | None) -> None:
    """Objects a case moves out of the program, registered as the route (twin_changes.ROUTES) does."""
    text = yaml.safe_dump_all(manifests, sort_keys=False)
    if route == "yaml-v2":
        k8s.yaml.v2.ConfigGroup("twin-yaml-v2", yaml=text)
    elif route == "yaml-v1":
        k8s.yaml.ConfigGroup("twin-yaml-v1", yaml=[text])
    elif route == "file-v2":
        k8s.yaml.v2.ConfigFile("twin-file-v2", file=manifest_file(manifests))
    elif route == "file-v1":
        k8s.yaml.ConfigFile("twin-file-v1", file=manifest_file(manifests))
    else:  # the team's own chart, installed from its directory beside the program
        k8s.helm.v4.Chart(
            "web-extras",
            chart="./charts/web-extras",
            version="0.1.0",
            namespace=release_namespace,
            values={"objects": manifests},
        )


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
case, route = config.get("case"), config.get("route")
change = change_of(case) if case else {}
namespace = change.get("namespace", NAMESPACE)
objects = manifests(namespace)
if route:  # the compliant twin again, its objects (but the protected claim) registered by one other route
    change = whole_app_by(route, [key for key in objects if key not in PROTECTED])
apply(change, objects)
moved = routes(change, objects)
for key, manifest in objects.items():
    if key not in moved:
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
for route in dict.fromkeys(moved.values()):
    in_route = [objects[key] for key, how in moved.items() if how == route]
    register_elsewhere(route, in_route, change.get("release_namespace", namespace))
charts()
