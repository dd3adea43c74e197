"""The gate Jobs: what they judge, when they run (their identity), where they sit in the graph.

Their script judging real traffic is tested on real processes in tests/e2e/test_gate_e2e.py; the
failure paths that need a misbehaving Prometheus are run here against a fake one.
"""

from __future__ import annotations

import json
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
from tests.support.gate import FAST, gate_jobs, job_env, landing_gate, promotion_gate, promotion_gates, run_gate
from tests.support.preview import Preview, preview
from tests.support.tools import require_tool

GREEN = "greenlight:release.activeColor=green"  # prod: green runs 1.5.0, newer than blue's 1.4.2
NEW_GREEN = (
    "greenlight:release.green.version=1.6.0",
    "greenlight:release.green.image=ghcr.io/acme/web@sha256:" + "c" * 64,
)


def names(p: Preview) -> dict[str, Any]:
    return {r.name: r for r in p.resources}


def test_promotion_gate_judges_the_target_with_its_own_sample() -> None:
    job = promotion_gate(preview("prod", GREEN))
    spec = job["spec"]
    assert (spec["backoffLimit"], spec["activeDeadlineSeconds"]) == (0, 600)
    assert "ttlSecondsAfterFinished" not in spec
    pod = spec["template"]["spec"]
    (c,) = pod["containers"]
    assert c["image"].startswith("curlimages/curl:") and "@sha256:" in c["image"]
    env = job_env(job)
    assert env["TARGET_URL"] == "http://web-green.greenlight-prod.svc.cluster.local:8080"
    assert (env["SAMPLE_PATH"], env["SAMPLE_REQUESTS"], env["SAMPLE_CONCURRENCY"], env["MIN_REQUESTS"]) == (
        "/",
        "100",
        "4",
        "50",
    )
    assert env["PROMETHEUS_URL"] == "http://kube-prometheus-stack-prometheus.monitoring.svc:9090"
    for query in ("REQUESTS_QUERY", "ERROR_RATIO_QUERY", "P99_LATENCY_QUERY"):
        assert 'greenlight_dev_color="green"' in env[query] and "offset 5m" in env[query], query
    assert 'status=~"5.."' in env["ERROR_RATIO_QUERY"]
    assert "http_request_duration_seconds_bucket" in env["P99_LATENCY_QUERY"]
    assert (env["MAX_ERROR_RATIO"], env["MAX_P99_LATENCY_SECONDS"]) == ("0.01", "0.5")
    assert c["securityContext"]["readOnlyRootFilesystem"] is True
    assert c["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert pod["securityContext"]["runAsNonRoot"] is True and pod["automountServiceAccountToken"] is False
    assert job["metadata"]["labels"]["greenlight.dev/color"] == "green"


def test_promotion_gate_waits_until_the_target_is_as_large_as_the_live_color() -> None:
    env = job_env(promotion_gate(preview("prod", GREEN)))
    assert env["TARGET_DEPLOYMENT"] == "web-green"
    assert 'deployment="web-green"' in env["READY_PODS_QUERY"]
    assert "kube_deployment_status_replicas_available" in env["READY_PODS_QUERY"]
    # blue's desired replicas now, at least green's HPA minimum (3), at most its maximum (12)
    needed = env["NEEDED_PODS_QUERY"]
    assert 'kube_deployment_spec_replicas{namespace="greenlight-prod", deployment="web-blue"}' in needed
    assert "clamp_min(" in needed and ", 3)" in needed and ", 12)" in needed


def test_each_running_color_has_a_landing_gate_and_no_capacity_step() -> None:
    p = preview("prod")
    for color in ("blue", "green"):
        env = job_env(landing_gate(p, color))
        assert env["TARGET_URL"] == f"http://web-{color}.greenlight-prod.svc.cluster.local:8080"
        assert f'greenlight_dev_color="{color}"' in env["REQUESTS_QUERY"]
        assert "NEEDED_PODS_QUERY" not in env


def test_a_landing_gate_runs_again_exactly_when_a_new_version_lands_on_its_color() -> None:
    before, after = preview("prod"), preview("prod", *NEW_GREEN)
    assert landing_gate(before, "green")["metadata"]["name"] != landing_gate(after, "green")["metadata"]["name"]
    assert landing_gate(before, "blue") == landing_gate(after, "blue")
    promoted = preview("prod", GREEN)  # a switch lands nothing: both landing gates stay as they are
    for color in ("blue", "green"):
        assert landing_gate(before, color) == landing_gate(promoted, color)


def test_promotion_gate_identity_tracks_what_is_promoted() -> None:
    green = promotion_gate(preview("prod", GREEN))["metadata"]["name"]
    newer = promotion_gate(preview("prod", GREEN, *NEW_GREEN))["metadata"]["name"]
    assert green != newer
    assert (
        promotion_gate(preview("prod", GREEN, "greenlight:release.gate.maxErrorRatio=0.02"))["metadata"]["name"]
        == green
    )


def test_traffic_moves_only_after_the_target_rolled_out_and_passed_both_gates() -> None:
    p = preview("prod", GREEN)
    by_name = names(p)
    gate, landing = by_name["release-gate"], by_name["release-green-gate"]
    for service in ("release-active-service", "release-preview-service"):
        deps = by_name[service].dependencies
        assert {gate.urn, landing.urn, by_name["release-green-deployment"].urn} <= set(deps), service
        assert by_name["release-blue-gate"].urn not in deps
    assert by_name["release-blue-deployment"].urn not in by_name["release-active-service"].dependencies
    # The promotion gate judges green's new pods at full size: after its rollout, HPA and landing gate.
    for before in ("release-green-deployment", "release-green-service", "release-green-hpa", "release-green-gate"):
        assert by_name[before].urn in gate.dependencies, before
    assert by_name["release-gate-networkpolicy"].urn in gate.dependencies
    for job in (gate, landing, by_name["release-blue-gate"]):  # Prometheus has the color's scrape config
        assert by_name["release-servicemonitor"].urn in job.dependencies


@pytest.mark.parametrize(
    "overrides",
    [
        (),  # prod as checked in: blue (1.4.2) live, the newer green waiting: a rollback's state
        ("greenlight:release.strategy=canary", "greenlight:release.canaryWeight=0"),  # canary aborted
    ],
)
def test_a_switch_back_waits_for_no_job(overrides: tuple[str, ...]) -> None:
    """No gate pod, no image pull, no Prometheus: only the color that served before, already running."""
    p = preview("prod", *overrides)
    assert promotion_gates(p) == []
    by_name = names(p)
    jobs = {r.urn for r in p.resources if r.type == "kubernetes:batch/v1:Job"}
    switch = "release-httproute" if overrides else "release-active-service"
    assert not jobs & set(by_name[switch].dependencies)
    assert by_name["release-blue-deployment"].urn in by_name[switch].dependencies


def test_app_pods_admit_the_gate() -> None:
    policy = preview("prod").manifest("NetworkPolicy", "web")["spec"]
    for job in gate_jobs(preview("prod", GREEN)):
        gate_labels = job["spec"]["template"]["metadata"]["labels"]
        peers = [f["podSelector"]["matchLabels"] for f in policy["ingress"][0]["from"] if "podSelector" in f]
        assert any(p.items() <= gate_labels.items() for p in peers), job["metadata"]["name"]


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return selector.items() <= labels.items()


@pytest.mark.parametrize("stack", ["staging", "prod"])
def test_gate_pods_are_not_governed_by_the_app_objects(stack: str) -> None:
    """The app's NetworkPolicy would cut a gate off from the app and Prometheus; Services and PDBs
    of the app must not count it either."""
    p = preview(stack, GREEN)
    for job in gate_jobs(p):
        gate_labels = job["spec"]["template"]["metadata"]["labels"]
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
    p = preview(stack, GREEN)
    jobs = gate_jobs(p)
    assert len(jobs) == 3  # two landing gates, one promotion gate
    for job in jobs:
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

        def to_app(to: dict[str, Any], pods: dict[str, str] = app_pods) -> bool:
            return "namespaceSelector" not in to and selects(to["podSelector"]["matchLabels"], pods)

        def to_dns(to: dict[str, Any]) -> bool:
            return to.get("podSelector", {}).get("matchLabels") == {"k8s-app": "kube-dns"}

        def to_monitoring(to: dict[str, Any]) -> bool:
            return to == {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "monitoring"}}}

        assert egress_ports(spec, to_app) == [{"protocol": "TCP", "port": 8080}]
        assert {port["port"] for port in egress_ports(spec, to_dns)} == {53}
        assert egress_ports(spec, to_monitoring) == [{"protocol": "TCP", "port": PROMETHEUS_PORT}]
        assert ".monitoring.svc:" in job_env(job)["PROMETHEUS_URL"]  # the namespace the policy opens
    by_name = names(p)
    for role in ("release-gate", "release-blue-gate", "release-green-gate"):
        assert by_name["release-gate-networkpolicy"].urn in by_name[role].dependencies, role


def test_gate_queries_are_valid_promql(tmp_path: Path) -> None:
    promtool = require_tool("promtool")
    env = job_env(
        promotion_gate(preview("prod", "greenlight:release.strategy=canary", "greenlight:release.canaryWeight=10"))
    )
    queries = ("REQUESTS_QUERY", "ERROR_RATIO_QUERY", "P99_LATENCY_QUERY", "READY_PODS_QUERY", "NEEDED_PODS_QUERY")
    rules = {"groups": [{"name": "gate", "rules": [{"record": f"gate:{q.lower()}", "expr": env[q]} for q in queries]}]}
    assert "* 0.1)" in env["NEEDED_PODS_QUERY"]  # a 10% canary needs a tenth of the live color's pods
    path = tmp_path / "gate.yaml"
    path.write_text(yaml.safe_dump(rules))
    result = subprocess.run([promtool, "check", "rules", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_without_monitoring_the_gate_judges_its_sample_alone() -> None:
    p = preview("staging", GREEN, "greenlight:monitoring.enabled=false")
    env = job_env(promotion_gate(p))
    assert "PROMETHEUS_URL" not in env and "NEEDED_PODS_QUERY" not in env
    assert env["SAMPLE_REQUESTS"] == "100"


class Fake:
    """The target (/ready and the sample route) and Prometheus' /api/v1/query, answering what a test sets."""

    ready_status: ClassVar[int] = 200
    answers: ClassVar[dict[str, str | None]] = {}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        url = urlparse(self.path)
        if url.path != "/api/v1/query":
            self._send(Fake.ready_status if url.path == "/ready" else 200, b"{}")
            return
        query = parse_qs(url.query)["query"][0]
        key = next((k for k in Fake.answers if k in query), "")
        value = Fake.answers.get(key)
        if value == "garbage":
            self._send(200, b'{"status":"success","data":{"resultType":"vector","result":[{"oops":1}]}}')
            return
        result = [] if value is None else [{"metric": {}, "value": [1764115200.0, value]}]
        self._send(200, json.dumps({"status": "success", "data": {"resultType": "vector", "result": result}}).encode())

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


HEALTHY = {
    "kube_deployment_spec_replicas": "3",
    "kube_deployment_status_replicas_available": "3",
    "http_request_duration_seconds_bucket": "0.1",
    'status=~"5.."': "0",
    "http_requests_total": "100",
}


def fake_gate(
    server: str, ready: int = 200, answers: dict[str, str | None] | None = None, prometheus: str = ""
) -> subprocess.CompletedProcess[str]:
    """The promotion gate against the fake; `answers` overrides what a query containing the key returns."""
    Fake.ready_status, Fake.answers = ready, {**HEALTHY, **(answers or {})}
    env = job_env(promotion_gate(preview("prod", GREEN)))
    env.update(FAST, TARGET_URL=server, PROMETHEUS_URL=prometheus or server, JUDGE_SETTLE_SECONDS="0")
    env["JUDGE_ATTEMPTS"] = "2"
    return run_gate(env, timeout=60)


def test_the_fake_passes_a_healthy_color(server: str) -> None:
    result = fake_gate(server)
    assert result.returncode == 0, result.stderr
    assert "gate: PASS" in result.stdout and "web-green runs 3 ready pods (3 needed)" in result.stdout


@pytest.mark.parametrize(
    ("ready", "answers", "reason"),
    [
        (503, {}, "/ready answered 503"),
        (200, {"kube_deployment_status_replicas_available": "2"}, "web-green runs 2 ready pods, 3 needed"),
        (200, {"http_requests_total": "7"}, "too few requests to judge: 7 in the window"),
        (200, {"http_requests_total": None}, "too few requests to judge: none in the window"),
        (200, {'status=~"5.."': "garbage"}, "unreadable Prometheus answer"),
        (200, {"http_request_duration_seconds_bucket": "NaN"}, "p99 latency in s (Prometheus): nothing to judge"),
        (200, {"kube_deployment_spec_replicas": "garbage"}, "unreadable Prometheus answer"),
    ],
)
def test_the_gate_fails_and_says_why(server: str, ready: int, answers: dict[str, str | None], reason: str) -> None:
    result = fake_gate(server, ready, answers)
    assert result.returncode != 0
    assert reason in result.stderr and "gate: PASS" not in result.stdout


def test_an_unreachable_prometheus_fails_the_gate(server: str) -> None:
    result = fake_gate(server, prometheus="http://127.0.0.1:9")
    assert result.returncode != 0 and "Prometheus query failed" in result.stderr
