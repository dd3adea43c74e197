"""The alerting pipeline on real processes: the service (gunicorn, one per color of the release),
prometheus, Alertmanager, a notification recorder, and stand-ins for the exporters a laptop lacks
(CloudNativePG's per instance, kube-state-metrics, cAdvisor: tests/e2e/stand_ins.py).

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
    COLOR_LABEL,
    KUBE_PROMETHEUS_STACK_RELEASE,
    VERSION_LABEL,
    database_cluster_name,
)
from components.settings import Settings, parse
from offline import stackconfig
from tests.e2e import rendered_config, stand_ins
from tests.e2e.http_stubs import ExporterStandIn, NotificationReceiver, PostgresExporterStandIn
from tests.e2e.processes import Alertmanager, Prometheus
from tests.e2e.traffic import PREVIEW_INTERVAL_SECONDS, REQUEST_INTERVAL_SECONDS, TrafficDriver
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
# kube-prometheus-stack's ServiceMonitors: kube-state-metrics keeps its job name; the kubelet's
# cAdvisor endpoint is scraped as job "kubelet" on /metrics/cadvisor.
KUBE_STATE_METRICS_JOB = "kube-state-metrics"
KUBELET_JOB = "kubelet"
CADVISOR_PATH = "/metrics/cadvisor"

# name -> (seconds fault-to-firing-notification, seconds fix-to-resolved-notification)
LATENCIES: dict[str, tuple[float, float]] = {}


@dataclass(frozen=True)
class ColorTarget:
    """One color of the release as the ServiceMonitor scrapes it: its Service and pod template."""

    color: str
    service: dict[str, Any]
    deployment: str
    template: dict[str, Any]

    @property
    def pod(self) -> str:
        return f"{self.service['metadata']['name']}-{APP_POD_SUFFIX}"

    @property
    def version(self) -> str:
        return str(self.template["metadata"]["labels"][VERSION_LABEL])


@dataclass
class ClusterStandIns:
    """kube-state-metrics and the kubelet's cAdvisor, served from tests/e2e/stand_ins.py."""

    kube_state_metrics: ExporterStandIn
    kubelet: ExporterStandIn


@dataclass
class AlertingStack:
    settings: Settings
    rendered: Preview
    service: ServiceProcess  # the active color's
    services: dict[str, ServiceProcess]  # color -> process
    service_labels: dict[str, dict[str, str]]  # color -> the target's labels, as the rules select them
    database: PostgresExporterStandIn  # the primary's exporter
    replicas: list[PostgresExporterStandIn]
    cluster: ClusterStandIns
    receiver: NotificationReceiver
    prometheus: Prometheus
    alertmanager: Alertmanager
    traffic: dict[str, TrafficDriver]
    config: dict[str, Any] = field(default_factory=dict)


def _color_targets(rendered: Preview, settings: Settings) -> tuple[dict[str, Any], list[ColorTarget]]:
    """The ServiceMonitor and, per color it scrapes, the Service and the Deployment behind it (active first)."""
    monitor = rendered.manifest("ServiceMonitor", settings.app.name)
    wanted = monitor["spec"]["selector"]["matchLabels"]
    services = [
        s
        for s in rendered.manifests("Service")
        if s["metadata"]["namespace"] in monitor["spec"]["namespaceSelector"]["matchNames"]
        and wanted.items() <= s["metadata"]["labels"].items()
    ]
    assert services, f"the ServiceMonitor selects no rendered Service ({wanted})"
    targets = []
    for service in services:
        [deployment] = [
            d
            for d in rendered.manifests("Deployment")
            if service["spec"]["selector"].items() <= d["spec"]["template"]["metadata"]["labels"].items()
        ]
        color = service["metadata"]["labels"].get(COLOR_LABEL, "")
        targets.append(ColorTarget(color, service, deployment["metadata"]["name"], deployment["spec"]["template"]))
    return monitor, sorted(targets, key=lambda t: t.color != settings.release.active_color)


def _settings() -> Settings:
    config = stackconfig.load(ROOT, STACK, [])
    return parse(config.config, STACK, config.secret_keys)


def _start_database(
    settings: Settings, cleanup: contextlib.ExitStack
) -> tuple[list[PostgresExporterStandIn], list[rendered_config.Pod]]:
    """One exporter stand-in per instance of the prod cluster, and the pods discovery would show."""
    cluster = database_cluster_name(settings.app.name)
    assert settings.database.instances == len(DATABASE_ROLES), "the e2e models the prod cluster's instances"
    queries = [stand_ins.DatabaseInstance(settings.app.name, role, len(DATABASE_ROLES)) for role in DATABASE_ROLES]
    instances = [PostgresExporterStandIn(cluster, lambda q=q: stand_ins.exposition(q.samples())) for q in queries]
    for instance in instances:
        instance.start()
        cleanup.callback(instance.stop)
    pods = [
        rendered_config.Pod(f"{cluster}-{n}", {CNPG_INSTANCE_ROLE_LABEL: role}, instance.address)
        for n, (role, instance) in enumerate(zip(DATABASE_ROLES, instances, strict=True), start=1)
    ]
    return instances, pods


def _start_cluster_stand_ins(
    rendered: Preview, targets: list[ColorTarget], cleanup: contextlib.ExitStack
) -> ClusterStandIns:
    cluster = stand_ins.cluster_from(rendered, {t.deployment: t.pod for t in targets})
    servers = ClusterStandIns(
        kube_state_metrics=ExporterStandIn(lambda: stand_ins.exposition(cluster.kube_state_metrics())),
        kubelet=ExporterStandIn(lambda: stand_ins.exposition(cluster.cadvisor())),
    )
    for server in (servers.kube_state_metrics, servers.kubelet):
        server.start()
        cleanup.callback(server.stop)
    return servers


def _start_services(targets: list[ColorTarget], cleanup: contextlib.ExitStack) -> dict[str, ServiceProcess]:
    services = {}
    for target in targets:
        service = ServiceProcess({"ENABLE_FAULT_INJECTION": "1", "APP_VERSION": target.version}).start()
        cleanup.callback(service.stop)
        services[target.color] = service
    for service in services.values():
        service.wait_ready()
    return services


def _scrape_jobs(
    rendered: Preview,
    monitor: dict[str, Any],
    targets: list[ColorTarget],
    services: dict[str, ServiceProcess],
    database_pods: list[rendered_config.Pod],
    cluster: ClusterStandIns,
) -> list[dict[str, Any]]:
    pods = [
        rendered_config.ScrapedPod(t.service, t.template, t.pod, f"127.0.0.1:{services[t.color].port}") for t in targets
    ]
    return [
        rendered_config.service_monitor_job(monitor, pods),
        *(
            rendered_config.pod_monitor_job(pm, DATABASE_CONTAINER, database_pods)
            for pm in rendered.manifests("PodMonitor")
        ),
        rendered_config.exporter_job(KUBE_STATE_METRICS_JOB, cluster.kube_state_metrics.address),
        rendered_config.exporter_job(KUBELET_JOB, cluster.kubelet.address, CADVISOR_PATH),
    ]


def _start_traffic(
    targets: list[ColorTarget], services: dict[str, ServiceProcess], cleanup: contextlib.ExitStack
) -> dict[str, TrafficDriver]:
    """Users on the active color (listed first), preview checks on the other."""
    traffic = {}
    for i, target in enumerate(targets):
        interval = REQUEST_INTERVAL_SECONDS if i == 0 else PREVIEW_INTERVAL_SECONDS
        traffic[target.color] = TrafficDriver(services[target.color].port, interval).start()
        cleanup.callback(traffic[target.color].stop)
    return traffic


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
    monitor, targets = _color_targets(rendered, settings)

    with contextlib.ExitStack() as cleanup:
        receiver = NotificationReceiver()
        receiver.start()
        cleanup.callback(receiver.stop)
        instances, database_pods = _start_database(settings, cleanup)
        cluster = _start_cluster_stand_ins(rendered, targets, cleanup)
        services = _start_services(targets, cleanup)

        alertmanager = Alertmanager(alertmanager_bin, workdir)
        am_config = _alertmanager_config(rendered, receiver, workdir, alertmanager_bin)
        alertmanager.write_config(am_config)
        cleanup.enter_context(alertmanager)

        prometheus = Prometheus(prometheus_bin, workdir)
        rules = rendered_config.rule_files(rendered.manifests("PrometheusRule"), FOR_SCALE)
        for name, content in rules.items():
            (prometheus.dir / name).write_text(yaml.safe_dump(content, sort_keys=False))
        scrape_jobs = _scrape_jobs(rendered, monitor, targets, services, database_pods, cluster)
        prom_config = rendered_config.prometheus_config(
            scrape_jobs, [str(prometheus.dir / n) for n in rules], alertmanager.address
        )
        prometheus.write_config(prom_config)
        cleanup.enter_context(prometheus)

        traffic = _start_traffic(targets, services, cleanup)
        yield AlertingStack(
            settings=settings,
            rendered=rendered,
            service=services[settings.release.active_color],
            services=services,
            service_labels={t.color: {"service": t.service["metadata"]["name"], "pod": t.pod} for t in targets},
            database=instances[0],
            replicas=instances[1:],
            cluster=cluster,
            receiver=receiver,
            prometheus=prometheus,
            alertmanager=alertmanager,
            traffic=traffic,
            config={"prometheus": prom_config, "alertmanager": am_config},
        )
        print(f"\ntraffic outcomes: { {color: t.counts() for color, t in traffic.items()} }")


def pytest_terminal_summary(terminalreporter: Any) -> None:
    """Print the measured latencies even without -s (CI logs keep them)."""
    if not LATENCIES:
        return
    terminalreporter.section("e2e alert latency (fault -> firing notification, fix -> resolved notification)")
    for name, (firing, resolved) in sorted(LATENCIES.items()):
        terminalreporter.write_line(f"{name:<16} firing after {firing:5.1f}s   resolved after {resolved:5.1f}s")
