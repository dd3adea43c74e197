"""Edits that turn the compliant fixture stack into one failing case: each changes one thing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from tests.support.policy_fixtures import (
    ALERTMANAGER_YAML,
    Spec,
    container,
    first_container,
    labels,
    meta,
    pod_of,
    pod_spec,
)

NO_REMEDIATION = "prod, nothing remediated"  # every policy mandatory, so managed-by-label reports instead of fixing


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], dict[str, Spec]]
    fires: bool
    env: str = "prod"
    where: str | None = None  # spec whose URN the finding names; "" = the stack; None = don't check
    text: str = ""  # a fragment of the imperative message


def set_in(name: str, fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(specs[name].inputs)


def on_container(fn: Callable[[dict[str, Any]], None], name: str = "blue") -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(first_container(specs, name))


def on_pod(fn: Callable[[dict[str, Any]], None], name: str = "blue") -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(pod_of(specs, name))


def add(name: str, spec: Spec) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: specs.__setitem__(name, spec)


def drop(*names: str) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: [specs.pop(n) for n in names]  # type: ignore[func-returns-value]


def as_kind(kind: str) -> Spec:
    """A workload of `kind` whose single container lacks resources: the same rule over every kind."""
    bare = container(probes=kind not in ("Job", "CronJob"))
    del bare["resources"]
    pod = {**pod_spec(), "containers": [bare]}
    template = {"metadata": {"labels": labels()}, "spec": pod}
    spec: dict[str, Any] = {
        "Pod": pod,
        "CronJob": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
    }.get(kind, {"selector": {"matchLabels": {"app.kubernetes.io/name": "other"}}, "template": template})
    return Spec(kind, {"metadata": meta(f"x-{kind.lower()}"), "spec": spec})


# Pulumi's sentinel for a value not known until `pulumi up` (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def sidecar() -> dict[str, Any]:
    """A compliant container turned into a native sidecar, minus its probes."""
    return {**container(name="proxy", probes=False, ports=False), "restartPolicy": "Always"}


def literal_env(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    return lambda c: c["env"].append({"name": name, "value": value})


def public_lb(annotations: dict[str, str]) -> Callable[[dict[str, Spec]], None]:
    def change(specs: dict[str, Spec]) -> None:
        service = specs["active"].inputs
        service["spec"]["type"] = "LoadBalancer"
        service["metadata"]["annotations"] = annotations

    return change


def rolling(max_unavailable: Any = 0, history: int | None = None) -> Callable[[dict[str, Spec]], None]:
    """Turns the blue-green pair into one rolling Deployment."""

    def change(specs: dict[str, Spec]) -> None:
        specs.pop("green")
        specs.pop("preview")
        deployment = specs["blue"].inputs
        deployment["metadata"]["labels"].pop("greenlight.dev/color")
        deployment["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}
        if history is not None:
            deployment["spec"]["revisionHistoryLimit"] = history

    return change


def alertmanager(text: str) -> Callable[[dict[str, Spec]], None]:
    return set_in("am-config", lambda s: s["stringData"].__setitem__("alertmanager.yaml", text))


def chart_child_deployment(specs: dict[str, Spec]) -> None:
    """A vendor's Deployment rendered by a chart: unpinned, root, unlabelled. Judged like the stack's own."""
    vendor = {
        "metadata": {"name": "vendor", "namespace": "monitoring"},
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": {"app": "vendor"}},
                "spec": {"containers": [{"name": "v", "image": "vendor:latest", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    specs["vendor"] = Spec("Deployment", vendor, in_chart="prometheus")


def node_exporter(name: str = "kube-prometheus-stack-prometheus-node-exporter") -> Callable[[dict[str, Spec]], None]:
    """node-exporter as its chart renders it: host network, PID and paths, which only an exception allows."""

    def change(specs: dict[str, Spec]) -> None:
        ds = as_kind("DaemonSet")
        ds.inputs["metadata"] = {
            **ds.inputs["metadata"],
            "name": name,
            "labels": {**ds.inputs["metadata"]["labels"], "helm.sh/chart": "prometheus-node-exporter-4.56.1"},
        }
        pod = ds.inputs["spec"]["template"]["spec"]
        pod.update(hostNetwork=True, hostPID=True, volumes=[{"name": "proc", "hostPath": {"path": "/proc"}}])
        specs["node-exporter"] = Spec("DaemonSet", ds.inputs, in_chart="prometheus")

    return change


def statefulset(annotations: dict[str, str] | None = None, protect: bool = True) -> Callable[[dict[str, Spec]], None]:
    def change(specs: dict[str, Spec]) -> None:
        sts = as_kind("StatefulSet")
        first_container_spec = sts.inputs["spec"]["template"]["spec"]["containers"][0]
        first_container_spec["resources"] = container()["resources"]
        del first_container_spec["ports"]
        sts.inputs["metadata"]["annotations"] = annotations or {}
        sts.inputs["spec"]["replicas"] = 2
        specs["sts"] = Spec("StatefulSet", sts.inputs, protect=protect)

    return change


WRONG_ROUTE = ALERTMANAGER_YAML.replace("- receiver: pagerduty", '- receiver: "null"')


def pod_of_cron(specs: dict[str, Spec]) -> dict[str, Any]:
    pod: dict[str, Any] = specs["x"].inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def pod_monitor() -> Spec:
    return Spec(
        "PodMonitor",
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": meta("web-pods"),
            "spec": {
                "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
                "podMetricsEndpoints": [{"port": "http"}],
            },
        },
    )
