"""Stand-in series for exporters the end-to-end test cannot run: kube-state-metrics, the kubelet's
cAdvisor and CloudNativePG's instance exporter.

They serve what those exporters would report about the rendered stack, with the exporters' real
metric names and labels (cited per family below), so the dashboards' and rules' queries meet the
series they meet in a cluster. The state they describe is a release in progress: both colors
running, the promotion gate's Job started and its pod being created, the migrations done, a healthy
three-instance database with a recent base backup. What the stand-ins cannot show is whether the real
exporters still use these names: the citations are what keeps them honest.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.contract import CNPG_PRIMARY
from tests.support.preview import Preview

GATE_COMPONENT = "release-gate"
COMPONENT_LABEL = "app.kubernetes.io/component"
CPU_CORES_USED = 0.05  # each app container, while traffic runs
MEMORY_USED_BYTES = 200 * 2**20
GATE_STARTED_SECONDS_AGO = 30
BACKUP_AGE_SECONDS = 3600
RECOVERY_WINDOW_SECONDS = 7 * 86400
MAX_CONNECTIONS = 100  # PostgreSQL's default max_connections
CONNECTIONS = {"active": 2, "idle": 5}
WAL_ARCHIVED_PER_SECOND = 0.1
SECONDS_SINCE_LAST_ARCHIVAL = 12
WAL_SEGMENTS_DONE = 6
REPLICA_LAG_SECONDS = 0.2
QUANTITY_SUFFIXES = {"m": 1e-3, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}


@dataclass(frozen=True)
class Sample:
    name: str
    labels: Mapping[str, str]
    value: float
    kind: str = "gauge"


def exposition(samples: Iterable[Sample]) -> str:
    """Prometheus text format, one TYPE line per family."""
    lines: list[str] = []
    typed: set[str] = set()
    for s in sorted(samples, key=lambda s: s.name):  # a family's samples stay together
        if s.name not in typed:
            lines.append(f"# TYPE {s.name} {s.kind}")
            typed.add(s.name)
        labels = ",".join(f'{k}="{v}"' for k, v in s.labels.items())
        lines.append(f"{s.name}{{{labels}}} {s.value!r}" if labels else f"{s.name} {s.value!r}")
    return "\n".join(lines) + "\n"


def quantity(text: str) -> float:
    """A Kubernetes quantity ("500m", "512Mi", "1") as a number."""
    for suffix, factor in QUANTITY_SUFFIXES.items():
        if text.endswith(suffix):
            return float(text.removesuffix(suffix)) * factor
    return float(text)


@dataclass(frozen=True)
class AppPod:
    namespace: str
    pod: str
    container: str
    limits: Mapping[str, str]


@dataclass
class Cluster:
    """What kube-state-metrics and cAdvisor see of the rendered stack."""

    pods: list[AppPod]
    jobs: list[dict[str, Any]]
    started: float = field(default_factory=time.time)

    def _pod_labels(self, pod: AppPod) -> dict[str, str]:
        return {"namespace": pod.namespace, "pod": pod.pod, "container": pod.container, "uid": f"uid-{pod.pod}"}

    def _gate_pod(self, job: Mapping[str, Any]) -> AppPod:
        container = job["spec"]["template"]["spec"]["containers"][0]
        return AppPod(job["metadata"]["namespace"], f"{job['metadata']['name']}-e2e00", container["name"], {})

    def kube_state_metrics(self) -> list[Sample]:
        """docs/metrics/workload/pod-metrics.md and job-metrics.md of kube-state-metrics."""
        samples = []
        for pod in self.pods:
            labels = self._pod_labels(pod)
            samples.append(Sample("kube_pod_container_status_restarts_total", labels, 0, "counter"))
            for resource, unit in (("cpu", "core"), ("memory", "byte")):
                value = quantity(pod.limits[resource])
                samples.append(
                    Sample("kube_pod_container_resource_limits", {**labels, "resource": resource, "unit": unit}, value)
                )
        for job in self.jobs:
            samples.extend(self._job_samples(job))
        return samples

    def _job_samples(self, job: Mapping[str, Any]) -> list[Sample]:
        meta = job["metadata"]
        labels = {"namespace": meta["namespace"], "job_name": meta["name"]}
        if meta["labels"].get(COMPONENT_LABEL) != GATE_COMPONENT:  # migrations: done
            return [Sample("kube_job_status_succeeded", labels, 1), Sample("kube_job_status_failed", labels, 0)]
        gate = self._gate_pod(job)  # the gate of the release in progress: started, pod being created
        return [
            Sample("kube_job_status_succeeded", labels, 0),
            Sample("kube_job_status_failed", labels, 0),
            Sample("kube_job_status_active", labels, 1),
            Sample("kube_job_status_start_time", labels, float(int(self.started) - GATE_STARTED_SECONDS_AGO)),
            Sample("kube_pod_container_status_restarts_total", self._pod_labels(gate), 0, "counter"),
            Sample(
                "kube_pod_container_status_waiting_reason",
                {**self._pod_labels(gate), "reason": "ContainerCreating"},
                1,
            ),
        ]

    def cadvisor(self) -> list[Sample]:
        """The kubelet's /metrics/cadvisor (cAdvisor's container_* families, per container)."""
        elapsed = time.time() - self.started
        samples = []
        for pod in self.pods:
            labels = {"namespace": pod.namespace, "pod": pod.pod, "container": pod.container, "cpu": "total"}
            samples.append(Sample("container_cpu_usage_seconds_total", labels, CPU_CORES_USED * elapsed, "counter"))
            memory = {k: v for k, v in labels.items() if k != "cpu"}
            samples.append(Sample("container_memory_working_set_bytes", memory, float(MEMORY_USED_BYTES)))
        return samples


def cluster_from(rendered: Preview, pods: Mapping[str, str]) -> Cluster:
    """`pods`: Deployment name -> the stand-in pod name the test gives its process."""
    app_pods = []
    for deployment in rendered.manifests("Deployment"):
        name = deployment["metadata"]["name"]
        if name in pods:
            container = deployment["spec"]["template"]["spec"]["containers"][0]
            limits = container["resources"]["limits"]
            app_pods.append(AppPod(deployment["metadata"]["namespace"], pods[name], container["name"], limits))
    return Cluster(pods=app_pods, jobs=rendered.manifests("Job"))


@dataclass
class DatabaseInstance:
    """The monitoring-query series of one CloudNativePG instance's exporter (port 9187), as the app's
    PodMonitor scrapes it (cnpg_collector_up itself comes from tests/e2e/http_stubs.py): the built-in
    collector's WAL and backup series (docs/src/monitoring.md), the default queries
    (config/manager/default-monitoring.yaml) and the Barman Cloud plugin's backup timestamps (plugin
    docs, "Observability"). The primary streams to the replicas and archives WAL (pg_stat_archiver's
    predicate query skips instances in recovery); a replica replays with a small lag."""

    app: str
    role: str
    instances: int
    started: float = field(default_factory=time.time)

    def samples(self) -> list[Sample]:
        now = time.time()
        primary = self.role == CNPG_PRIMARY
        db = {"datname": "app", "usename": "app", "application_name": self.app}
        samples = [
            *(Sample("cnpg_backends_total", {**db, "state": s}, n) for s, n in CONNECTIONS.items()),
            Sample("cnpg_pg_settings_setting", {"name": "max_connections"}, MAX_CONNECTIONS),
            Sample("cnpg_pg_replication_lag", {}, 0 if primary else REPLICA_LAG_SECONDS),
            Sample("cnpg_pg_replication_streaming_replicas", {}, self.instances - 1 if primary else 0),
            Sample("cnpg_collector_pg_wal_archive_status", {"value": "ready"}, 0),
            Sample("cnpg_collector_pg_wal_archive_status", {"value": "done"}, WAL_SEGMENTS_DONE),
            *self._backups(now),
        ]
        if primary:
            archived = int(WAL_ARCHIVED_PER_SECOND * (now - self.started))
            samples += [
                Sample("cnpg_pg_stat_archiver_archived_count", {}, archived, "counter"),
                Sample("cnpg_pg_stat_archiver_failed_count", {}, 0, "counter"),
                Sample("cnpg_pg_stat_archiver_seconds_since_last_archival", {}, SECONDS_SINCE_LAST_ARCHIVAL),
            ]
        return samples

    def _backups(self, now: float) -> list[Sample]:
        backup, first_point = now - BACKUP_AGE_SECONDS, now - RECOVERY_WINDOW_SECONDS
        plugin = "barman_cloud_cloudnative_pg_io"
        return [
            Sample("cnpg_collector_last_available_backup_timestamp", {}, backup),
            Sample("cnpg_collector_first_recoverability_point", {}, first_point),
            Sample("cnpg_collector_last_failed_backup_timestamp", {}, 0),
            Sample(f"{plugin}_last_available_backup_timestamp", {}, backup),
            Sample(f"{plugin}_first_recoverability_point", {}, first_point),
            Sample(f"{plugin}_last_failed_backup_timestamp", {}, 0),
        ]
