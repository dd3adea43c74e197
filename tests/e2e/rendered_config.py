"""Turn the rendered stack into files the real binaries load, changing only what a laptop must.

What is taken as rendered:
- rule files: `spec.groups` of every rendered PrometheusRule, with every `for` shrunk by FOR_SCALE
  through the product's own scale_duration (what `alerting.forScale` does in dev; staging and prod refuse
  that test-only setting, so the prod render is scaled here);
- scrape jobs: what the Prometheus Operator generates from the rendered ServiceMonitor and PodMonitor
  (job from `jobLabel`, namespace/service/pod/container/endpoint, `podTargetLabels`, the monitor's own
  relabelings), fed with the `__meta_kubernetes_*` labels Kubernetes discovery would give the
  rendered Service and pod template; only the target address is a local process;
- the Alertmanager config: `alertmanager.config` of the rendered kube-prometheus-stack values (routes,
  receivers, inhibitions), with the receivers' endpoints pointed at the local recorder and their
  credential files written to a temp dir.

What the test changes, and why: scrape and evaluation every second (the ServiceMonitor says 30s) and
Alertmanager's group_wait / group_interval / repeat_interval, so a run takes a minute instead of an hour;
the receivers' endpoints and credential file paths, which point at PagerDuty, Slack and the pod's mounted
Secret; and, for an Alertmanager older than 0.26, the webhook's `url_file` becomes a `url`.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components.rules.model import scale_duration

E2E_SCRAPE_INTERVAL = "1s"
E2E_EVALUATION_INTERVAL = "1s"
# Route timers for the test (shipped: 30s / 5m / 4h, heartbeat 1m; components/objects/alertmanager.py).
E2E_ROUTE_TIMERS = {"group_wait": "1s", "group_interval": "2s", "repeat_interval": "1h"}
E2E_PAGERDUTY_ROUTING_KEY = "e2e-routing-key"
PODMONITOR_DEFAULT_PATH = "/metrics"
# Relabeling fields: CRD spelling -> Prometheus config spelling.
RELABEL_FIELDS = {
    "sourceLabels": "source_labels",
    "separator": "separator",
    "targetLabel": "target_label",
    "regex": "regex",
    "modulus": "modulus",
    "replacement": "replacement",
    "action": "action",
}


def sanitize(label: str) -> str:
    """Kubernetes label name -> Prometheus label name (`greenlight.dev/color` -> `greenlight_dev_color`)."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", label)


def _scaled(groups: list[dict[str, Any]], factor: float) -> list[dict[str, Any]]:
    groups = copy.deepcopy(groups)
    for rule in (r for g in groups for r in g["rules"] if "for" in r):
        rule["for"] = scale_duration(rule["for"], factor)
    return groups


def rule_files(prometheus_rules: list[dict[str, Any]], for_scale: float) -> dict[str, dict[str, Any]]:
    """File name -> rule file, one per rendered PrometheusRule, every `for` times `for_scale`."""
    return {
        f"{rule['metadata']['namespace']}-{rule['metadata']['name']}.rules.yml": {
            "groups": _scaled(rule["spec"]["groups"], for_scale)
        }
        for rule in prometheus_rules
    }


def _copy(target: str, source: str) -> dict[str, Any]:
    return {"source_labels": [source], "target_label": target}


def _set(target: str, value: str) -> dict[str, Any]:
    return {"target_label": target, "replacement": value}


def _relabel_configs(relabelings: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{RELABEL_FIELDS[key]: value for key, value in r.items()} for r in relabelings]


def _pod_meta(namespace: str, pod: str, container: str, pod_labels: dict[str, str]) -> dict[str, str]:
    return {
        "__meta_kubernetes_namespace": namespace,
        "__meta_kubernetes_pod_name": pod,
        "__meta_kubernetes_pod_container_name": container,
        **{f"__meta_kubernetes_pod_label_{sanitize(k)}": v for k, v in pod_labels.items()},
    }


@dataclass(frozen=True)
class Pod:
    """A pod as Kubernetes discovery would show it: name, labels, and where its port really listens."""

    name: str
    labels: dict[str, str]
    address: str


def _scrape_job(
    job_name: str, path: str, targets: list[tuple[str, dict[str, str]]], relabel: list[Any]
) -> dict[str, Any]:
    return {
        "job_name": job_name,
        "metrics_path": path,
        "scrape_interval": E2E_SCRAPE_INTERVAL,
        "scrape_timeout": E2E_SCRAPE_INTERVAL,
        "static_configs": [{"targets": [address], "labels": meta} for address, meta in targets],
        "relabel_configs": relabel,
    }


@dataclass(frozen=True)
class ScrapedPod:
    """One pod behind a Service a ServiceMonitor selects, and the local address standing in for it."""

    service: dict[str, Any]
    pod_template: dict[str, Any]
    pod: str
    address: str

    def meta(self) -> dict[str, str]:
        """The `__meta_kubernetes_*` labels Kubernetes endpoints discovery gives this pod."""
        namespace, name = self.service["metadata"]["namespace"], self.service["metadata"]["name"]
        container = self.pod_template["spec"]["containers"][0]["name"]
        service_labels = self.service["metadata"]["labels"].items()
        return {
            **_pod_meta(namespace, self.pod, container, self.pod_template["metadata"]["labels"]),
            "__meta_kubernetes_service_name": name,
            **{f"__meta_kubernetes_service_label_{sanitize(k)}": v for k, v in service_labels},
        }


def service_monitor_job(monitor: dict[str, Any], pods: list[ScrapedPod]) -> dict[str, Any]:
    """The scrape job the Operator writes for `monitor`'s first endpoint, over the pods it discovers."""
    spec, endpoint = monitor["spec"], monitor["spec"]["endpoints"][0]
    relabel = [
        _copy("namespace", "__meta_kubernetes_namespace"),
        _copy("service", "__meta_kubernetes_service_name"),
        _copy("pod", "__meta_kubernetes_pod_name"),
        _copy("container", "__meta_kubernetes_pod_container_name"),
        *(
            {**_copy(sanitize(label), f"__meta_kubernetes_pod_label_{sanitize(label)}"), "regex": "(.+)"}
            for label in spec.get("podTargetLabels", [])
        ),
        _copy("job", "__meta_kubernetes_service_name"),
    ]
    if "jobLabel" in spec:
        relabel.append(
            {**_copy("job", f"__meta_kubernetes_service_label_{sanitize(spec['jobLabel'])}"), "regex": "(.+)"}
        )
    relabel += [_set("endpoint", endpoint["port"]), *_relabel_configs(endpoint.get("relabelings", []))]
    job_name = f"serviceMonitor/{monitor['metadata']['namespace']}/{monitor['metadata']['name']}/0"
    targets = [(pod.address, pod.meta()) for pod in pods]
    return _scrape_job(job_name, endpoint.get("path", "/metrics"), targets, relabel)


def pod_monitor_job(monitor: dict[str, Any], container: str, pods: list[Pod]) -> dict[str, Any]:
    """The scrape job the Operator writes for `monitor`'s first endpoint, for the pods it selects.

    Each pod carries the labels the monitor selects on plus its own (what its operator sets besides).
    """
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    namespace, name = monitor["metadata"]["namespace"], monitor["metadata"]["name"]
    selected = monitor["spec"]["selector"]["matchLabels"]
    targets = [(pod.address, _pod_meta(namespace, pod.name, container, {**selected, **pod.labels})) for pod in pods]
    relabel = [
        _copy("namespace", "__meta_kubernetes_namespace"),
        _copy("container", "__meta_kubernetes_pod_container_name"),
        _copy("pod", "__meta_kubernetes_pod_name"),
        _set("job", f"{namespace}/{name}"),  # the Operator's default job for a PodMonitor
        _set("endpoint", endpoint["port"]),
        *_relabel_configs(endpoint.get("relabelings", [])),
    ]
    return _scrape_job(
        f"podMonitor/{namespace}/{name}/0", endpoint.get("path", PODMONITOR_DEFAULT_PATH), targets, relabel
    )


def exporter_job(job: str, target: str, path: str = "/metrics") -> dict[str, Any]:
    """A cluster exporter's scrape as kube-prometheus-stack configures it: `honorLabels: true` on the
    kube-state-metrics and kubelet ServiceMonitors, so the series keep their own namespace/pod labels."""
    job_config = _scrape_job(job, path, [(target, {})], [])
    job_config["honor_labels"] = True
    return job_config


def prometheus_config(
    scrape_jobs: list[dict[str, Any]], rule_file_names: list[str], alertmanager_address: str
) -> dict[str, Any]:
    return {
        "global": {"scrape_interval": E2E_SCRAPE_INTERVAL, "evaluation_interval": E2E_EVALUATION_INTERVAL},
        "rule_files": rule_file_names,
        "alerting": {"alertmanagers": [{"static_configs": [{"targets": [alertmanager_address]}]}]},
        "scrape_configs": scrape_jobs,
    }


def _shorten_timers(route: dict[str, Any]) -> None:
    for key, value in E2E_ROUTE_TIMERS.items():
        if key in route:
            route[key] = value
    for child in route.get("routes", []):
        _shorten_timers(child)


def _credential(path: str, secrets_dir: Path, value: str) -> str:
    """Writes `value` where the rendered config's `*_file` path points, under `secrets_dir`; returns the new path."""
    local = secrets_dir / Path(path).name
    local.write_text(value)
    return str(local)


def _point_receivers_at(
    config: dict[str, Any], url: Callable[[str], str], secrets_dir: Path, url_file_supported: bool
) -> None:
    for receiver in config["receivers"]:
        name = receiver["name"]
        for pagerduty in receiver.get("pagerduty_configs", []):
            pagerduty["url"] = url(f"{name}/pagerduty")
            pagerduty["routing_key_file"] = _credential(
                pagerduty["routing_key_file"], secrets_dir, E2E_PAGERDUTY_ROUTING_KEY
            )
        for slack in receiver.get("slack_configs", []):
            slack["api_url_file"] = _credential(slack["api_url_file"], secrets_dir, url(f"{name}/slack"))
        for hook in receiver.get("webhook_configs", []):
            if url_file_supported:
                hook["url_file"] = _credential(hook["url_file"], secrets_dir, url(f"{name}/webhook"))
            else:  # Alertmanager < 0.26 has no url_file (tests/support/alertmanager.py)
                hook.pop("url_file")
                hook["url"] = url(f"{name}/webhook")
        native = [*receiver.get("pagerduty_configs", []), *receiver.get("slack_configs", [])]
        if native and "webhook_configs" not in receiver:
            resolved = any(c.get("send_resolved", False) for c in native)
            receiver["webhook_configs"] = [{"url": url(f"{name}/webhook"), "send_resolved": resolved}]


def alertmanager_config(
    rendered: dict[str, Any], url: Callable[[str], str], secrets_dir: Path, url_file_supported: bool
) -> dict[str, Any]:
    """The rendered config with every receiver's endpoint at `url("<receiver>/<integration>")`.

    Credentials stay files, as in the cluster: the routing key and the Slack URL are written to
    `secrets_dir` and the `*_file` keys point there. Receivers that speak PagerDuty or Slack also get
    a plain webhook at `url("<receiver>/webhook")` (same send_resolved), whose JSON carries the
    alerts' labels for the test to assert on.
    """
    config = copy.deepcopy(rendered)
    _point_receivers_at(config, url, secrets_dir, url_file_supported)
    _shorten_timers(config["route"])
    return config
