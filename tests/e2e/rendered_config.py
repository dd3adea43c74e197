"""Turn the rendered stack into files the real binaries load, changing only what a laptop must.

What is taken as rendered:
- rule files: `spec.groups` of every rendered PrometheusRule, with every `for` shrunk by FOR_SCALE
  through the product's own scale_duration (what `alerting.forScale` does in dev; staging and prod refuse
  that test-only setting, so the prod render is scaled here);
- scrape jobs: what the Prometheus Operator generates from the rendered ServiceMonitor and PodMonitor
  (job from `jobLabel`, namespace/service/pod/container/endpoint, `podTargetLabels`, the monitor's own
  relabelings), fed with the `__meta_kubernetes_*` labels Kubernetes discovery would give the
  rendered Service and pod template; only the target address is a local process;
- the Alertmanager route tree, receivers and inhibitions from `components.objects.alertmanager.build_config`
  (the rendered Secret holds "[secret]"), with the receivers' endpoints pointed at the local recorder.

What the test changes, and why: scrape and evaluation every second (the ServiceMonitor says 30s) and
Alertmanager's group_wait / group_interval / repeat_interval, so a run takes a minute instead of an hour.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from components.objects import alertmanager
from components.rules.model import scale_duration
from components.settings import Settings

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


def _scrape_job(job_name: str, path: str, target: str, meta: dict[str, str], relabel: list[Any]) -> dict[str, Any]:
    return {
        "job_name": job_name,
        "metrics_path": path,
        "scrape_interval": E2E_SCRAPE_INTERVAL,
        "scrape_timeout": E2E_SCRAPE_INTERVAL,
        "static_configs": [{"targets": [target], "labels": meta}],
        "relabel_configs": relabel,
    }


def service_monitor_job(
    monitor: dict[str, Any], service: dict[str, Any], pod_template: dict[str, Any], pod: str, target: str
) -> dict[str, Any]:
    """The scrape job the Operator writes for `monitor`'s first endpoint, one pod behind `service`."""
    spec, endpoint = monitor["spec"], monitor["spec"]["endpoints"][0]
    namespace, service_name = service["metadata"]["namespace"], service["metadata"]["name"]
    container = pod_template["spec"]["containers"][0]["name"]
    meta = {
        **_pod_meta(namespace, pod, container, pod_template["metadata"]["labels"]),
        "__meta_kubernetes_service_name": service_name,
        **{f"__meta_kubernetes_service_label_{sanitize(k)}": v for k, v in service["metadata"]["labels"].items()},
    }
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
    job_name = f"serviceMonitor/{namespace}/{monitor['metadata']['name']}/0"
    return _scrape_job(job_name, endpoint.get("path", "/metrics"), target, meta, relabel)


def pod_monitor_job(monitor: dict[str, Any], pod: str, container: str, target: str) -> dict[str, Any]:
    """The scrape job the Operator writes for `monitor`'s first endpoint, for one pod it selects."""
    endpoint = monitor["spec"]["podMetricsEndpoints"][0]
    namespace, name = monitor["metadata"]["namespace"], monitor["metadata"]["name"]
    meta = _pod_meta(namespace, pod, container, monitor["spec"]["selector"]["matchLabels"])
    relabel = [
        _copy("namespace", "__meta_kubernetes_namespace"),
        _copy("container", "__meta_kubernetes_pod_container_name"),
        _copy("pod", "__meta_kubernetes_pod_name"),
        _set("job", f"{namespace}/{name}"),  # the Operator's default job for a PodMonitor
        _set("endpoint", endpoint["port"]),
        *_relabel_configs(endpoint.get("relabelings", [])),
    ]
    return _scrape_job(
        f"podMonitor/{namespace}/{name}/0", endpoint.get("path", PODMONITOR_DEFAULT_PATH), target, meta, relabel
    )


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


def alertmanager_config(settings: Settings, url: Callable[[str], str]) -> dict[str, Any]:
    """The shipped config with every receiver's endpoint at `url("<receiver>/<integration>")`.

    Receivers that speak PagerDuty or Slack also get a plain webhook at `url("<receiver>/webhook")`
    (same send_resolved), whose JSON carries the alerts' labels for the test to assert on.
    """
    secrets = {
        alertmanager.PAGERDUTY_KEY: E2E_PAGERDUTY_ROUTING_KEY,
        alertmanager.SLACK_URL: url(f"{alertmanager.CHAT_RECEIVER}/slack"),
        alertmanager.DEAD_MANS_SWITCH_URL: url(f"{alertmanager.DEAD_MANS_SWITCH_RECEIVER}/webhook"),
    }
    config = copy.deepcopy(alertmanager.build_config(settings, secrets))
    for receiver in config["receivers"]:
        name = receiver["name"]
        for pagerduty in receiver.get("pagerduty_configs", []):
            pagerduty["url"] = url(f"{name}/pagerduty")
        for slack in receiver.get("slack_configs", []):
            slack["api_url"] = url(f"{name}/slack")
        native = [*receiver.get("pagerduty_configs", []), *receiver.get("slack_configs", [])]
        if native and "webhook_configs" not in receiver:
            resolved = any(c.get("send_resolved", False) for c in native)
            receiver["webhook_configs"] = [{"url": url(f"{name}/webhook"), "send_resolved": resolved}]
    _shorten_timers(config["route"])
    return config
