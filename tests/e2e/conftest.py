"""The alerting pipeline on real processes: service (gunicorn), prometheus, Alertmanager, recorder.

Everything listens on 127.0.0.1 on free ports; data dirs are per-run temp dirs. One stack per module:
the tests share it (and its steady traffic) and look only at notifications that arrive after their
own fault, so they do not depend on each other's order.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.contract import (
    CNPG_INSTANCE_ROLE_LABEL,
    CNPG_PRIMARY,
    CNPG_REPLICA,
    KUBE_PROMETHEUS_STACK_RELEASE,
    database_cluster_name,
)
from components.settings import Settings, parse
from offline import stackconfig
from tests.e2e import rendered_config
from tests.e2e.http_stubs import NotificationReceiver, PostgresExporterStandIn
from tests.e2e.processes import Alertmanager, Prometheus
from tests.e2e.traffic import TrafficDriver
from tests.support.alertmanager import URL_FILE_SINCE, version
from tests.support.app_server import ServiceProcess
from tests.support.preview import ROOT, Preview, preview
from tests.support.tools import require_tool

STACK = "prod"  # the stack with everything on: blue-green, database, every receiver
# Every rendered `for` x 0.01 (5m -> 3s), as alerting.forScale does in dev (refused in prod: test-only).
FOR_SCALE = 0.01
APP_POD_SUFFIX = "e2e-0"  # stands in for the ReplicaSet hash and pod suffix
DATABASE_CONTAINER = "postgres"  # CloudNativePG's instance container
# The prod cluster's instances: CloudNativePG names pods <cluster>-<n> and labels each with its role.
DATABASE_ROLES = (CNPG_PRIMARY, CNPG_REPLICA, CNPG_REPLICA)

# name -> (seconds fault-to-firing-notification, seconds fix-to-resolved-notification)
LATENCIES: dict[str, tuple[float, float]] = {}


@dataclass
class AlertingStack:
    settings: Settings
    rendered: Preview
    service: ServiceProcess
    service_labels: dict[str, str]  # the app target's labels, as the rules select them
    database: PostgresExporterStandIn  # the primary's exporter
    replicas: list[PostgresExporterStandIn]
    receiver: NotificationReceiver
    prometheus: Prometheus
    alertmanager: Alertmanager
    traffic: TrafficDriver
    config: dict[str, Any] = field(default_factory=dict)


def _active_service(rendered: Preview, settings: Settings) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    """The ServiceMonitor, the scraped Service of the active color, and the pod template behind it."""
    monitor = rendered.manifest("ServiceMonitor", settings.app.name)
    wanted = monitor["spec"]["selector"]["matchLabels"]
    services = [
        s
        for s in rendered.manifests("Service")
        if s["metadata"]["namespace"] in monitor["spec"]["namespaceSelector"]["matchNames"]
        and wanted.items() <= s["metadata"]["labels"].items()
    ]
    assert services, f"the ServiceMonitor selects no rendered Service ({wanted})"
    active = [
        s for s in services if s["metadata"]["labels"].get("greenlight.dev/color") == settings.release.active_color
    ]
    service = (active or services)[0]
    templates = [
        d["spec"]["template"]
        for d in rendered.manifests("Deployment")
        if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
    ]
    assert templates, f"no rendered Deployment behind Service {service['metadata']['name']}"
    return monitor, service, templates[0]


def _settings() -> Settings:
    config = stackconfig.load(ROOT, STACK, [])
    return parse(config.config, STACK, config.secret_keys)


def _start_database(
    settings: Settings, cleanup: contextlib.ExitStack
) -> tuple[list[PostgresExporterStandIn], list[rendered_config.Pod]]:
    """One exporter stand-in per instance of the prod cluster, and the pods discovery would show."""
    cluster = database_cluster_name(settings.app.name)
    assert settings.database.instances == len(DATABASE_ROLES), "the e2e models the prod cluster's instances"
    instances = [PostgresExporterStandIn(cluster) for _ in DATABASE_ROLES]
    for instance in instances:
        instance.start()
        cleanup.callback(instance.stop)
    pods = [
        rendered_config.Pod(f"{cluster}-{n}", {CNPG_INSTANCE_ROLE_LABEL: role}, instance.address)
        for n, (role, instance) in enumerate(zip(DATABASE_ROLES, instances, strict=True), start=1)
    ]
    return instances, pods


def _alertmanager_config(
    rendered: Preview, receiver: NotificationReceiver, workdir: Path, binary: str
) -> dict[str, Any]:
    """The rendered config, receivers pointed at `receiver`, credential files in a temp dir."""
    secrets_dir = workdir / "alertmanager-secrets"
    secrets_dir.mkdir()
    return rendered_config.alertmanager_config(
        rendered.helm()[KUBE_PROMETHEUS_STACK_RELEASE]["values"]["alertmanager"]["config"],
        receiver.url,
        secrets_dir,
        url_file_supported=version(binary) >= URL_FILE_SINCE,
    )


@pytest.fixture(scope="module")
def alerting_stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AlertingStack]:
    prometheus_bin = require_tool("prometheus")
    alertmanager_bin = require_tool("prometheus-alertmanager")
    settings = _settings()
    rendered = preview(STACK)
    workdir: Path = tmp_path_factory.mktemp("e2e")

    with contextlib.ExitStack() as cleanup:
        receiver = NotificationReceiver()
        receiver.start()
        cleanup.callback(receiver.stop)
        instances, database_pods = _start_database(settings, cleanup)
        service = ServiceProcess({"ENABLE_FAULT_INJECTION": "1"}).start()
        cleanup.callback(service.stop)
        service.wait_ready()

        alertmanager = Alertmanager(alertmanager_bin, workdir)
        am_config = _alertmanager_config(rendered, receiver, workdir, alertmanager_bin)
        alertmanager.write_config(am_config)
        cleanup.enter_context(alertmanager)

        prometheus = Prometheus(prometheus_bin, workdir)
        rules = rendered_config.rule_files(rendered.manifests("PrometheusRule"), FOR_SCALE)
        for name, content in rules.items():
            (prometheus.dir / name).write_text(yaml.safe_dump(content, sort_keys=False))
        monitor, app_service, pod_template = _active_service(rendered, settings)
        app_pod = f"{app_service['metadata']['name']}-{APP_POD_SUFFIX}"
        scrape_jobs = [
            rendered_config.service_monitor_job(
                monitor, app_service, pod_template, app_pod, f"127.0.0.1:{service.port}"
            ),
            *(
                rendered_config.pod_monitor_job(pm, DATABASE_CONTAINER, database_pods)
                for pm in rendered.manifests("PodMonitor")
            ),
        ]
        prom_config = rendered_config.prometheus_config(
            scrape_jobs, [str(prometheus.dir / n) for n in rules], alertmanager.address
        )
        prometheus.write_config(prom_config)
        cleanup.enter_context(prometheus)

        traffic = TrafficDriver(service.port).start()
        cleanup.callback(traffic.stop)
        yield AlertingStack(
            settings=settings,
            rendered=rendered,
            service=service,
            service_labels={"service": app_service["metadata"]["name"], "pod": app_pod},
            database=instances[0],
            replicas=instances[1:],
            receiver=receiver,
            prometheus=prometheus,
            alertmanager=alertmanager,
            traffic=traffic,
            config={"prometheus": prom_config, "alertmanager": am_config},
        )
        print(f"\ntraffic outcomes: {traffic.counts()}")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the measured latencies even without -s (CI logs keep them)."""
    if not LATENCIES:
        return
    terminalreporter.section("e2e alert latency (fault -> firing notification, fix -> resolved notification)")
    for name, (firing, resolved) in sorted(LATENCIES.items()):
        terminalreporter.write_line(f"{name:<16} firing after {firing:5.1f}s   resolved after {resolved:5.1f}s")
