"""The promotion gate: its Job, its place in the graph, and its script run for real against fakes."""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import parse_qs, urlparse

import pytest
import yaml

from components.contract import PROMETHEUS_PORT
from components.objects import gate
from tests.support.preview import preview
from tests.support.tools import require_tool

GREEN = "greenlight:release.activeColor=green"


def gate_job(p: Any) -> dict[str, Any]:
    (job,) = [j for j in p.manifests("Job") if j["metadata"]["name"].startswith("web-gate-")]
    return job


def test_gate_job_fields() -> None:
    job = gate_job(preview("prod", GREEN))
    spec = job["spec"]
    assert spec["backoffLimit"] == 0
    assert spec["activeDeadlineSeconds"] == 300
    assert "ttlSecondsAfterFinished" not in spec
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    assert c["image"].startswith("curlimages/curl:") and "@sha256:" in c["image"]
    env = {e["name"]: e["value"] for e in c["env"]}
    assert env["TARGET_URL"] == "http://web-green.greenlight-prod.svc.cluster.local:8080"
    assert env["PROMETHEUS_URL"] == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
    assert 'greenlight_dev_color="green"' in env["ERROR_RATIO_QUERY"]
    assert 'status=~"5.."' in env["ERROR_RATIO_QUERY"] and "[5m]" in env["ERROR_RATIO_QUERY"]
    assert "http_request_duration_seconds_bucket" in env["P99_LATENCY_QUERY"]
    assert (env["MAX_ERROR_RATIO"], env["MAX_P99_LATENCY_SECONDS"]) == ("0.01", "0.5")
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    assert job["metadata"]["labels"]["greenlight.dev/color"] == "green"


def test_traffic_moves_only_after_gate_and_target_deployment() -> None:
    p = preview("prod", GREEN)
    by_name = {r.name: r for r in p.resources}
    active = by_name["release-active-service"]
    assert by_name["release-gate"].urn in active.dependencies
    assert by_name["release-green-deployment"].urn in active.dependencies
    assert by_name["release-blue-deployment"].urn not in active.dependencies
    # The gate judges the target's new pods: it runs only once that Deployment is rolled out
    # (on a fresh cluster its /ready retries would otherwise run out while pods still start).
    assert by_name["release-green-deployment"].urn in by_name["release-gate"].dependencies
    assert by_name["release-green-service"].urn in by_name["release-gate"].dependencies


def test_gate_job_name_tracks_what_is_promoted() -> None:
    blue = gate_job(preview("prod"))["metadata"]["name"]
    green = gate_job(preview("prod", GREEN))["metadata"]["name"]
    assert blue != green
    assert gate_job(preview("prod", GREEN, "greenlight:release.gate.maxErrorRatio=0.02"))["metadata"]["name"] == green


def test_app_pods_admit_the_gate() -> None:
    policy = preview("prod").manifest("NetworkPolicy", "web")["spec"]
    gate_labels = gate_job(preview("prod"))["spec"]["template"]["metadata"]["labels"]
    peers = [f["podSelector"]["matchLabels"] for f in policy["ingress"][0]["from"] if "podSelector" in f]
    assert any(p.items() <= gate_labels.items() for p in peers)


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_gate_pod_is_not_governed_by_the_app_objects(stack: str) -> None:
    """The app's NetworkPolicy would cut the gate off from the app and Prometheus; Services and PDBs
    of the app must not count it either."""
    p = preview(stack)
    gate_labels = gate_job(p)["spec"]["template"]["metadata"]["labels"]
    assert not selects(p.manifest("NetworkPolicy", "web")["spec"]["podSelector"]["matchLabels"], gate_labels)
    for service in p.manifests("Service"):
        assert not selects(service["spec"]["selector"], gate_labels), service["metadata"]["name"]
    for pdb in p.manifests("PodDisruptionBudget"):
        assert not selects(pdb["spec"]["selector"]["matchLabels"], gate_labels), pdb["metadata"]["name"]


def egress_ports(spec: dict[str, Any], peer: Any) -> list[Any]:
    """Ports of the egress rules whose peers satisfy `peer`."""
    return [port for rule in spec["egress"] if any(peer(to) for to in rule["to"]) for port in rule["ports"]]


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_gate_network_policy_lets_it_reach_dns_the_app_and_prometheus(stack: str) -> None:
    p = preview(stack)
    job = gate_job(p)
    gate_labels = job["spec"]["template"]["metadata"]["labels"]
    [policy] = [
        n
        for n in p.manifests("NetworkPolicy")
        if n["metadata"]["namespace"] == job["metadata"]["namespace"]
        and selects(n["spec"]["podSelector"].get("matchLabels", {}), gate_labels)
    ]
    spec = policy["spec"]
    assert spec["policyTypes"] == ["Ingress", "Egress"] and not spec.get("ingress")
    app_pods = p.manifest("Deployment", "web-blue")["spec"]["template"]["metadata"]["labels"]

    def to_app(to: dict[str, Any]) -> bool:
        return "namespaceSelector" not in to and selects(to["podSelector"]["matchLabels"], app_pods)

    def to_dns(to: dict[str, Any]) -> bool:
        return to.get("podSelector", {}).get("matchLabels") == {"k8s-app": "kube-dns"}

    def to_monitoring(to: dict[str, Any]) -> bool:
        return to == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}

    assert egress_ports(spec, to_app) == [{"protocol": "TCP", "port": 8080}]
    assert {port["port"] for port in egress_ports(spec, to_dns)} == {53}
    assert egress_ports(spec, to_monitoring) == [{"protocol": "TCP", "port": PROMETHEUS_PORT}]
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    assert ".monitoring.svc:" in env["PROMETHEUS_URL"]  # the namespace the policy opens
    by_name = {r.name: r for r in p.resources}
    assert by_name["release-gate-networkpolicy"].urn in by_name["release-gate"].dependencies


def test_gate_queries_are_valid_promql(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    p = preview("prod", GREEN)
    env = {e["name"]: e["value"] for e in gate_job(p)["spec"]["template"]["spec"]["containers"][0]["env"]}
    rules = {
        "groups": [
            {
                "name": "gate",
                "rules": [
                    {"record": "gate:error_ratio", "expr": env["ERROR_RATIO_QUERY"]},
                    {"record": "gate:p99", "expr": env["P99_LATENCY_QUERY"]},
                ],
            }
        ]
    }
    path = tmp_path / "gate.yaml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


class Fake:
    """The target's /ready and Prometheus' /api/v1/query, answering what a test sets."""

    ready_status: ClassVar[int] = 200
    values: ClassVar[dict[str, str | None]] = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path == "/ready":
            self._send(Fake.ready_status, b"ok")
            return
        query = parse_qs(url.query)["query"][0]
        key = "p99" if "histogram_quantile" in query else "errors"
        value = Fake.values.get(key)
        if value == "garbage":
            self._send(200, b'{"status":"success","data":{"resultType":"vector","result":[{"oops":1}]}}')
            return
        result = [] if value is None else [{"metric": {}, "value": [1764115200.0, value]}]
        answer = {"status": "success", "data": {"resultType": "vector", "result": result}}
        # Prometheus answers compact JSON; the p99 answer is spaced so the parser is shown to take both.
        separators = (", ", ": ") if key == "p99" else (",", ":")
        self._send(200, json.dumps(answer, separators=separators).encode())

    def _send(self, status: int, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def run_gate(server: str, ready: int, errors: str | None, p99: str | None) -> subprocess.CompletedProcess[str]:
    Fake.ready_status, Fake.values = ready, {"errors": errors, "p99": p99}
    job = gate_job(preview("prod", GREEN))
    env = {e["name"]: e["value"] for e in job["spec"]["template"]["spec"]["containers"][0]["env"]}
    env.update(TARGET_URL=server, PROMETHEUS_URL=server, READY_ATTEMPTS="2", READY_INTERVAL_SECONDS="0")
    sh, _ = require_tool("sh"), require_tool("curl")
    return subprocess.run(
        [sh, "-c", gate.GATE_SCRIPT],
        env={"PATH": os.environ["PATH"], **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_gate_passes_a_healthy_color(server: str) -> None:
    result = run_gate(server, 200, "0.002", "0.12")
    assert result.returncode == 0, result.stderr
    assert "gate: PASS" in result.stdout


@pytest.mark.parametrize(
    ("ready", "errors", "p99", "reason"),
    [
        (503, "0", "0.1", "/ready answered 503"),
        (200, "0.2", "0.1", "error ratio is 0.2"),
        (200, "0", "2.5", "p99 latency (s) is 2.5"),
        (200, "garbage", "0.1", "unreadable Prometheus answer"),
    ],
)
def test_gate_fails_and_says_why(server: str, ready: int, errors: str, p99: str, reason: str) -> None:
    result = run_gate(server, ready, errors, p99)
    assert result.returncode != 0
    assert reason in result.stderr and "gate: PASS" not in result.stdout


def test_gate_without_traffic_judges_readiness_only(server: str) -> None:
    result = run_gate(server, 200, None, "NaN")
    assert result.returncode == 0, result.stderr
    assert "not judged" in result.stdout
