"""The release gate: batch/v1 Jobs that must complete before a color may take traffic.

Two kinds here, one script (scripts/gate.sh, POSIX sh + curl in the pinned curl image), and a third,
a canary step's gate, in canary.py:
- a landing gate per color (label `greenlight.dev/gate: landing`): runs when a new version lands on
  that color, before anyone can promote it; it judges the color with its own sample of requests;
- the promotion gate (`greenlight.dev/gate: promotion`): runs when traffic moves to a newer version
  (or a canary step); it first waits until the target runs as many ready pods as the live color has now.
Both are named `<app>-gate-<hash>`.
Each checks `/ready`, sends `release.gate.sampleRequests` requests to `samplePath` and judges their
error ratio and p99, then (with monitoring) the color's window in Prometheus (judge.py). Any failure
exits non-zero; with backoffLimit 0 the Job fails, Pulumi's Job await fails the update, and what
`depends_on` the Job (the Services, the HTTPRoute) is never changed.

A Job's name carries a hash of what it judges: a changed version is a new Job (it runs), an
unchanged stack keeps the completed one and runs nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from components.contract import (
    COMPONENT_LABEL,
    INSTANCE_LABEL,
    NAME_LABEL,
    NAMESPACE_NAME_LABEL,
    PROMETHEUS_PORT,
    track_name,
)
from components.objects import judge, networking, workload
from components.objects.meta import app_labels, metadata, selector_labels
from components.objects.plan import ReleasePlan, Track, minimum_replicas
from components.settings import AppSpec
from components.settings.names import gate_instance
from components.settings.names import gate_job_name as gate_job_name_from

GATE_COMPONENT = "release-gate"
GATE_KIND_LABEL = "greenlight.dev/gate"  # landing | promotion | canary-step: all share the name pattern
LANDING, PROMOTION = "landing", "promotion"
# /ready is retried READY_ATTEMPTS times READY_INTERVAL_SECONDS apart: endpoint propagation
# after a rollout takes seconds, not minutes (the Deployment itself is already Available).
READY_ATTEMPTS = 10
READY_INTERVAL_SECONDS = 3
# New pods for the capacity step: an image pull, the startup probe's 60 s, one kube-state-metrics and
# one Prometheus scrape (30 s each): 40 x 5 s leaves room for all of them.
CAPACITY_ATTEMPTS = 40
CAPACITY_INTERVAL_SECONDS = 5
REQUEST_TIMEOUT_SECONDS = 5  # one sample request; a slower answer counts as failed (000)
GATE_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}
SCRIPT = judge.JUDGE_SCRIPT + (Path(__file__).parent / "scripts" / "gate.sh").read_text(encoding="utf-8")
SCRIPT_PREAMBLE = 'set -eu\nfail() { echo "gate: FAIL: $*" >&2; exit 1; }\n'
GATE_SCRIPT = SCRIPT_PREAMBLE + SCRIPT


def _duration_seconds(duration: str) -> int:
    units = {"s": 1, "m": 60, "h": 3600}
    return int(duration[:-1]) * units[duration[-1]]


# Prometheus must have scraped every target once after the sample: one scrape interval and a margin.
JUDGE_SETTLE_SECONDS = _duration_seconds(networking.SCRAPE_INTERVAL) + 5


def digest(subject: str) -> str:
    return hashlib.sha256(subject.encode()).hexdigest()


def gate_job_name(spec: AppSpec, color: str, version: str, image: str, weight: int | None = None) -> str:
    """The promotion gate: `<app>-gate-<hash>`; the hash changes exactly when what is promoted changes."""
    subject = f"{color}|{version}|{image}" + ("" if weight is None else f"|{weight}")
    return gate_job_name_from(spec.name, digest(subject))


def landing_job_name(spec: AppSpec, color: str, version: str, image: str) -> str:
    """A color's landing gate: `<app>-gate-<hash>` too (its label says which kind); a new version on the
    color is a new Job. The same length as the promotion gate's name, so no app name gets shorter."""
    return gate_job_name_from(spec.name, digest(f"landing|{color}|{version}|{image}"))


def gate_pod_labels(spec: AppSpec, color: str, version: str) -> dict[str, str]:
    """Its own `instance`: the app's Services, PDBs and NetworkPolicy select name + instance (+ color)
    and must never pick up the gate's pod (the app policy would cut it off from the app and Prometheus)."""
    labels = app_labels(spec, color, version, component=GATE_COMPONENT)
    return {**labels, INSTANCE_LABEL: gate_instance(spec.name, spec.environment)}


def gate_selector(spec: AppSpec) -> dict[str, str]:
    """Labels every gate pod of this app carries, whatever it judges."""
    return {NAME_LABEL: spec.name, COMPONENT_LABEL: GATE_COMPONENT}


def gate_source(spec: AppSpec) -> dict[str, Any]:
    """NetworkPolicy peer for the app pods' ingress rule: the gate's pods in the app namespace."""
    return {"podSelector": {"matchLabels": gate_selector(spec)}}


def build_gate_network_policy(spec: AppSpec) -> dict[str, Any]:
    """The gate's pods accept nothing and reach only DNS, the app's pods and (with monitoring) Prometheus."""
    app_pods = {
        "to": [{"podSelector": {"matchLabels": selector_labels(spec)}}],
        "ports": [{"protocol": "TCP", "port": spec.app.port}],
    }
    egress = [networking.dns_egress(), app_pods]
    if spec.monitoring.enabled:
        monitoring_ns = {"matchLabels": {NAMESPACE_NAME_LABEL: spec.monitoring.namespace}}
        egress.append(
            {"to": [{"namespaceSelector": monitoring_ns}], "ports": [{"protocol": "TCP", "port": PROMETHEUS_PORT}]}
        )
    return {
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": metadata(spec, f"{spec.name}-gate", app_labels(spec, component=GATE_COMPONENT)),
        "spec": {
            "podSelector": {"matchLabels": gate_selector(spec)},
            "policyTypes": ["Ingress", "Egress"],
            "egress": egress,
        },
    }


def gate_env(spec: AppSpec, color: str, target_url: str) -> dict[str, str]:
    """Readiness, the sample and its limits, and (with monitoring) the window judgement of `color`."""
    gate = spec.release.gate
    env = {
        "TARGET_URL": target_url,
        "READY_ATTEMPTS": str(READY_ATTEMPTS),
        "READY_INTERVAL_SECONDS": str(READY_INTERVAL_SECONDS),
        "SAMPLE_PATH": gate.sample_path,
        "SAMPLE_REQUESTS": str(gate.sample_requests),
        "SAMPLE_CONCURRENCY": str(gate.sample_concurrency),
        "REQUEST_TIMEOUT_SECONDS": str(REQUEST_TIMEOUT_SECONDS),
        "MIN_REQUESTS": str(gate.min_requests),
        "MAX_ERROR_RATIO": str(gate.max_error_ratio),
        "MAX_P99_LATENCY_SECONDS": str(gate.max_p99_latency_seconds),
        **judge.judge_env(spec, color),
    }
    if spec.monitoring.enabled:
        env["JUDGE_SETTLE_SECONDS"] = str(JUDGE_SETTLE_SECONDS)
    return env


def capacity_env(spec: AppSpec, plan: ReleasePlan) -> dict[str, str]:
    """The promotion gate's capacity step (needs kube-state-metrics, so monitoring); empty without it."""
    if not spec.monitoring.enabled:
        return {}
    own = minimum_replicas(spec)
    high = spec.app.autoscaling.max_replicas if spec.app.autoscaling.enabled else own
    live = plan.capacity_from if plan.match_live_capacity else None
    return {
        "TARGET_DEPLOYMENT": track_name(spec.name, plan.gate_target),
        "READY_PODS_QUERY": judge.ready_pods_query(spec, plan.gate_target),
        "NEEDED_PODS_QUERY": judge.needed_pods_query(spec, live, plan.capacity_share, own, max(own, high)),
        "CAPACITY_ATTEMPTS": str(CAPACITY_ATTEMPTS),
        "CAPACITY_INTERVAL_SECONDS": str(CAPACITY_INTERVAL_SECONDS),
    }


def job_manifest(
    spec: AppSpec,
    name: str,
    kind: str,
    track: Track,
    env: dict[str, str],
    script: str = GATE_SCRIPT,
    deadline_seconds: int | None = None,
) -> dict[str, Any]:
    """A gate Job of `kind` judging `track`: `script` under /bin/sh, failing once, within its deadline
    (the gate's timeoutSeconds unless given)."""
    labels = {**gate_pod_labels(spec, str(track.color), track.version), GATE_KIND_LABEL: kind}
    container = {
        "name": "gate",
        "image": spec.release.gate.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", script],
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": GATE_RESOURCES,
        "securityContext": workload.container_security_context(),
    }
    # A failed gate stays failed; the next `pulumi up` replaces it (runs it again) instead of waiting.
    annotations = {"pulumi.com/replaceUnready": "true"}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(spec, name, labels, annotations=annotations),
        "spec": {
            "backoffLimit": 0,  # a failed check is an answer, not a flake to retry into a pass
            "activeDeadlineSeconds": deadline_seconds or spec.release.gate.timeout_seconds,
            # No ttlSecondsAfterFinished: a Job deleted by TTL would be recreated (and rerun) on the next up.
            "template": {
                "metadata": {"labels": labels},
                "spec": {
                    "restartPolicy": "Never",
                    "serviceAccountName": spec.name,
                    "automountServiceAccountToken": False,
                    "enableServiceLinks": False,
                    "securityContext": workload.pod_security_context(),
                    "containers": [container],
                },
            },
        },
    }


def build_gate_job(spec: AppSpec, plan: ReleasePlan, track: Track, target_url: str) -> dict[str, Any]:
    """The promotion gate for `track` (the plan's gate target, its image resolved to a reference string)."""
    color = str(track.color)
    name = gate_job_name(spec, color, track.version, track.image, plan.canary_weight)
    env = {**gate_env(spec, color, target_url), **capacity_env(spec, plan)}
    return job_manifest(spec, name, PROMOTION, track, env)


def build_landing_job(spec: AppSpec, track: Track, target_url: str) -> dict[str, Any]:
    """The landing gate of one color: judges the version it runs, with no capacity step."""
    color = str(track.color)
    name = landing_job_name(spec, color, track.version, track.image)
    return job_manifest(spec, name, LANDING, track, gate_env(spec, color, target_url))
