"""The promotion gate: a batch/v1 Job that must complete before traffic moves to a color.

It checks the target color's own Service `/ready` (retrying while endpoints settle) and, when
monitoring is on, asks Prometheus for that color's 5xx ratio and p99 latency over the gate window.
Any failure exits non-zero; with backoffLimit 0 the Job fails, Pulumi's Job await fails the
update, and the Service or HTTPRoute that `depends_on` the Job is never changed.

The Job name carries a hash of what is being promoted (color, version, image, canary weight):
a new promotion is a new Job, an unchanged stack keeps the completed one and runs nothing.
"""

from __future__ import annotations

import hashlib
from typing import Any

from components.contract import (
    COMPONENT_LABEL,
    HTTP_DURATION_BUCKET,
    HTTP_REQUESTS,
    INSTANCE_LABEL,
    NAME_LABEL,
    NAMESPACE_NAME_LABEL,
    PROMETHEUS_PORT,
    SERVER_ERROR_STATUS,
    color_traffic_selector,
    prometheus_url,
)
from components.objects import networking, workload
from components.objects.meta import app_labels, metadata, selector_labels
from components.objects.plan import Track
from components.settings import AppSpec
from components.settings.names import gate_instance
from components.settings.names import gate_job_name as gate_job_name_from

GATE_COMPONENT = "release-gate"
# /ready is retried READY_ATTEMPTS times READY_INTERVAL_SECONDS apart: endpoint propagation
# after a rollout takes seconds, not minutes (the Deployment itself is already Available).
READY_ATTEMPTS = 10
READY_INTERVAL_SECONDS = 3
GATE_RESOURCES = {"requests": {"cpu": "10m", "memory": "16Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}

GATE_SCRIPT = r"""set -eu
fail() { echo "gate: FAIL: $*" >&2; exit 1; }
attempt=1
while :; do
  code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$TARGET_URL/ready") || code=000
  [ "$code" = 200 ] && break
  [ "$attempt" -ge "$READY_ATTEMPTS" ] && fail "$TARGET_URL/ready answered $code after $attempt attempts"
  attempt=$((attempt + 1))
  sleep "$READY_INTERVAL_SECONDS"
done
echo "gate: $TARGET_URL/ready is 200"
if [ -z "${PROMETHEUS_URL:-}" ]; then echo "gate: PASS (readiness only: monitoring is disabled)"; exit 0; fi
value() {
  body=$(curl -fsS --max-time 10 -G "$PROMETHEUS_URL/api/v1/query" --data-urlencode "query=$1") \
    || fail "Prometheus query failed: $1"
  # An empty vector means no requests in the window; anything else must carry a readable value.
  if echo "$body" | grep -q '"result":[[:space:]]*\[[[:space:]]*\]'; then echo none; return 0; fi
  v=$(echo "$body" | sed -n 's/.*"value":[[:space:]]*\[[^,]*,[[:space:]]*"\([^"]*\)"[[:space:]]*\].*/\1/p')
  [ -n "$v" ] || fail "unreadable Prometheus answer for $1: $body"
  echo "$v"
}
judge() {
  if [ "$2" = none ] || [ "$2" = NaN ]; then echo "gate: $1: no requests in the window, not judged"; return 0; fi
  awk -v v="$2" -v m="$3" 'BEGIN { exit !(v + 0 <= m + 0) }' || fail "$1 is $2, above the limit $3"
  echo "gate: $1 is $2 (limit $3)"
}
# Assignments, not arguments: under `set -e` a failed query in an assignment stops the script.
ratio=$(value "$ERROR_RATIO_QUERY")
p99=$(value "$P99_LATENCY_QUERY")
judge "error ratio" "$ratio" "$MAX_ERROR_RATIO"
judge "p99 latency (s)" "$p99" "$MAX_P99_LATENCY_SECONDS"
echo "gate: PASS"
"""


def _series(spec: AppSpec, color: str, metric: str, extra: str = "") -> str:
    selector = color_traffic_selector(spec.name, spec.namespace, color)
    return f"{metric}{{{selector}{extra}}}[{spec.release.gate.window}]"


def error_ratio_query(spec: AppSpec, color: str) -> str:
    """5xx share of the color's requests (http_requests_total{method,route,status}, DESIGN.md)."""
    errors = _series(spec, color, HTTP_REQUESTS, f', status=~"{SERVER_ERROR_STATUS}"')
    total = _series(spec, color, HTTP_REQUESTS)
    return f"sum(rate({errors})) / sum(rate({total}))"


def p99_latency_query(spec: AppSpec, color: str) -> str:
    buckets = _series(spec, color, HTTP_DURATION_BUCKET)
    return f"histogram_quantile(0.99, sum by (le) (rate({buckets})))"


def gate_job_name(spec: AppSpec, color: str, version: str, image: str, weight: int | None = None) -> str:
    """`<app>-gate-<hash>`; the hash changes exactly when what is being promoted changes."""
    subject = f"{color}|{version}|{image}" + ("" if weight is None else f"|{weight}")
    return gate_job_name_from(spec.name, hashlib.sha256(subject.encode()).hexdigest())


def gate_pod_labels(spec: AppSpec, color: str, version: str) -> dict[str, str]:
    """Its own `instance`: the app's Services, PDBs and NetworkPolicy select name + instance (+ color)
    and must never pick up the gate's pod (the app policy would cut it off from the app and Prometheus)."""
    labels = app_labels(spec, color, version, component=GATE_COMPONENT)
    return {**labels, INSTANCE_LABEL: gate_instance(spec.name, spec.environment)}


def gate_selector(spec: AppSpec) -> dict[str, str]:
    """Labels every gate pod of this app carries, whatever it promotes."""
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


def build_gate_job(spec: AppSpec, track: Track, target_url: str, weight: int | None = None) -> dict[str, Any]:
    """The gate Job for `track` (its image already resolved to a reference string)."""
    gate = spec.release.gate
    color = str(track.color)
    env = {
        "TARGET_URL": target_url,
        "READY_ATTEMPTS": str(READY_ATTEMPTS),
        "READY_INTERVAL_SECONDS": str(READY_INTERVAL_SECONDS),
        "MAX_ERROR_RATIO": str(gate.max_error_ratio),
        "MAX_P99_LATENCY_SECONDS": str(gate.max_p99_latency_seconds),
    }
    if spec.monitoring.enabled:
        env["PROMETHEUS_URL"] = prometheus_url(spec.monitoring.namespace)
        env["ERROR_RATIO_QUERY"] = error_ratio_query(spec, color)
        env["P99_LATENCY_QUERY"] = p99_latency_query(spec, color)
    labels = gate_pod_labels(spec, color, track.version)
    container = {
        "name": "gate",
        "image": gate.image,
        "imagePullPolicy": "IfNotPresent",
        "command": ["/bin/sh", "-c", GATE_SCRIPT],
        "env": [{"name": k, "value": v} for k, v in env.items()],
        "resources": GATE_RESOURCES,
        "securityContext": workload.container_security_context(),
    }
    name = gate_job_name(spec, color, track.version, track.image, weight)
    # A failed gate stays failed; the next `pulumi up` replaces it (runs it again) instead of waiting.
    annotations = {"pulumi.com/replaceUnready": "true"}
    return {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": metadata(spec, name, labels, annotations=annotations),
        "spec": {
            "backoffLimit": 0,  # a failed check is an answer, not a flake to retry into a pass
            "activeDeadlineSeconds": gate.timeout_seconds,
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
