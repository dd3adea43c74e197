"""AppDeployment as users get it: the objects an offline preview of dev and prod would apply."""

from __future__ import annotations

from typing import Any

import pytest

from components.objects.workload import PRESTOP_SLEEP_SECONDS
from tests.support.preview import Preview, preview

PROD_DIGEST = (
    "ghcr.io/acme/greenlight-web:1.4.2@sha256:" + "3f1c9a6e2b7d4c8f0a5e9d1b6c2f7a8e4d0b9c3a5f6e1d2c7b8a9f0e1d2c3b4a"
)
# Prod runs blue-green; these overrides give the rolling AppDeployment with prod's other settings.
PROD_ROLLING = ("greenlight:release.strategy=rolling", f"greenlight:app.image={PROD_DIGEST}")
STACKS = {"dev": (), "prod": PROD_ROLLING}
APP_TYPE = "greenlight:index:AppDeployment"


def stack(name: str, *overrides: str) -> Preview:
    return preview(name, *STACKS[name], *overrides)


def container(p: Preview) -> dict[str, Any]:
    return p.manifest("Deployment", "web")["spec"]["template"]["spec"]["containers"][0]


@pytest.fixture(params=sorted(STACKS))
def p(request: pytest.FixtureRequest) -> Preview:
    return stack(request.param)


def test_component_parents_every_app_object(p: Preview) -> None:
    (component,) = p.of_type(APP_TYPE)
    children = {r.type.split(":")[-1] for r in p.resources if r.parent == component.urn}
    assert {"ServiceAccount", "ConfigMap", "Deployment", "Service", "PodDisruptionBudget", "NetworkPolicy"} <= children
    assert "ServiceMonitor" in children
    assert {r.name for r in p.resources if r.parent == component.urn} >= {"app-deployment", "app-service"}


def test_component_outputs(p: Preview) -> None:
    (component,) = p.of_type(APP_TYPE)
    ns = p.manifest("Deployment", "web")["metadata"]["namespace"]
    assert component.outputs["serviceName"] == "web"
    assert component.outputs["serviceUrl"] == f"http://web.{ns}.svc.cluster.local:8080"
    assert component.outputs["deploymentName"] == "web"
    assert "@sha256:" in component.outputs["image"]


def test_service_account_has_no_token(p: Preview) -> None:
    assert p.manifest("ServiceAccount", "web")["automountServiceAccountToken"] is False
    pod = p.manifest("Deployment", "web")["spec"]["template"]["spec"]
    assert pod["automountServiceAccountToken"] is False
    assert pod["serviceAccountName"] == "web"


def test_container_has_requests_and_limits(p: Preview) -> None:
    res = container(p)["resources"]
    assert set(res["requests"]) == set(res["limits"]) == {"cpu", "memory"}


def test_probes_use_the_service_contract(p: Preview) -> None:
    c = container(p)
    assert c["livenessProbe"]["httpGet"]["path"] == "/health"
    assert c["readinessProbe"]["httpGet"]["path"] == "/ready"
    assert c["startupProbe"]["httpGet"]["path"] == "/health"
    assert {c[k]["httpGet"]["port"] for k in ("livenessProbe", "readinessProbe", "startupProbe")} == {"http"}


def test_shutdown_covers_the_drain(p: Preview) -> None:
    deployment = p.manifest("Deployment", "web")
    pod = deployment["spec"]["template"]["spec"]
    env = p.manifest("ConfigMap", "web-config")["data"]
    drain = int(env["DRAIN_SECONDS"]) + int(env["DRAIN_DELAY_SECONDS"])
    sleep = int(container(p)["lifecycle"]["preStop"]["exec"]["command"][-1])
    assert sleep == PRESTOP_SLEEP_SECONDS > 0
    assert pod["terminationGracePeriodSeconds"] > sleep + drain


def test_rolling_update_never_drops_capacity(p: Preview) -> None:
    spec = p.manifest("Deployment", "web")["spec"]
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"]["maxUnavailable"] == 0
    assert spec["revisionHistoryLimit"] > 0


def test_security_contexts(p: Preview) -> None:
    pod = p.manifest("Deployment", "web")["spec"]["template"]["spec"]
    c = container(p)["securityContext"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["runAsUser"] == pod["securityContext"]["runAsGroup"] == 10001
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert c["runAsNonRoot"] is True and c["runAsUser"] >= 10000
    assert c["readOnlyRootFilesystem"] is True
    assert c["allowPrivilegeEscalation"] is False
    assert c["capabilities"] == {"drop": ["ALL"]}
    assert c["seccompProfile"] == {"type": "RuntimeDefault"}
    # the only writable path is an emptyDir on /tmp
    (mount,) = container(p)["volumeMounts"]
    volume = {v["name"]: v for v in pod["volumes"]}[mount["name"]]
    assert mount["mountPath"] == "/tmp" and "emptyDir" in volume


def test_topology_spread_only_in_prod() -> None:
    prod = stack("prod").manifest("Deployment", "web")["spec"]["template"]["spec"]
    keys = {c["topologyKey"]: c for c in prod["topologySpreadConstraints"]}
    assert set(keys) == {"topology.kubernetes.io/zone", "kubernetes.io/hostname"}
    selector = stack("prod").manifest("Deployment", "web")["spec"]["selector"]["matchLabels"]
    assert all(c["labelSelector"]["matchLabels"] == selector for c in keys.values())
    assert keys["topology.kubernetes.io/zone"]["whenUnsatisfiable"] == "DoNotSchedule"
    # a lost zone (its nodes tainted unreachable) must not hold the replacements Pending
    assert all(c["nodeTaintsPolicy"] == "Honor" for c in keys.values())
    dev = stack("dev").manifest("Deployment", "web")["spec"]["template"]["spec"]
    assert "topologySpreadConstraints" not in dev


def test_labels_on_every_app_object(p: Preview) -> None:
    (component,) = p.of_type(APP_TYPE)
    children = [r for r in p.resources if r.parent == component.urn]
    assert children and all("metadata" in r.inputs for r in children), "every child is a labelled object"
    for r in children:
        labels = r.inputs["metadata"]["labels"]
        assert labels["team"] == "payments" and labels["cost-center"] == "cc-1042", r.name
        assert labels["app.kubernetes.io/name"] == "web", r.name
        assert labels["app.kubernetes.io/managed-by"] == "pulumi", r.name
    template = p.manifest("Deployment", "web")["spec"]["template"]["metadata"]["labels"]
    selector = p.manifest("Deployment", "web")["spec"]["selector"]["matchLabels"]
    assert selector.items() <= template.items()
    assert "app.kubernetes.io/version" not in selector  # selectors are immutable; versions are not


def test_image_pinned_by_digest(p: Preview) -> None:
    assert "@sha256:" in container(p)["image"]


def test_env_from_config_map_and_checksum_annotation(p: Preview) -> None:
    import hashlib
    import json

    config = p.manifest("ConfigMap", "web-config")
    assert {"PORT", "SERVICE_NAME", "APP_VERSION", "LOG_LEVEL", "DRAIN_SECONDS", "DRAIN_DELAY_SECONDS"} <= set(
        config["data"]
    )
    assert container(p)["envFrom"] == [{"configMapRef": {"name": "web-config"}}]
    annotations = p.manifest("Deployment", "web")["spec"]["template"]["metadata"]["annotations"]
    expected = hashlib.sha256(json.dumps(config["data"], sort_keys=True).encode()).hexdigest()
    assert annotations["greenlight.dev/config-checksum"] == expected


def test_database_url_comes_from_the_database_secret(p: Preview) -> None:
    env = {e["name"]: e for e in container(p)["env"]}
    ref = env["DATABASE_URL"]["valueFrom"]["secretKeyRef"]
    assert p.manifest("Secret", ref["name"])  # the database component creates it
    assert "value" not in env["DATABASE_URL"]


def test_service_is_cluster_ip_on_the_named_port(p: Preview) -> None:
    svc = p.manifest("Service", "web")
    assert svc["spec"]["type"] == "ClusterIP"
    assert svc["spec"]["ports"][0]["targetPort"] == "http"
    assert svc["spec"]["selector"] == p.manifest("Deployment", "web")["spec"]["selector"]["matchLabels"]


def test_hpa_owns_replicas_in_prod_and_dev_sets_them() -> None:
    prod = stack("prod")
    hpa = prod.manifest("HorizontalPodAutoscaler", "web")
    assert hpa["apiVersion"] == "autoscaling/v2"
    assert hpa["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}
    assert hpa["spec"]["minReplicas"] >= 2
    assert "replicas" not in prod.manifest("Deployment", "web")["spec"]
    dev = stack("dev")
    assert dev.manifests("HorizontalPodAutoscaler") == []
    assert dev.manifest("Deployment", "web")["spec"]["replicas"] == 1


def test_pdb_never_blocks_a_drain(p: Preview) -> None:
    pdb = p.manifest("PodDisruptionBudget", "web")["spec"]
    assert pdb == {"maxUnavailable": 1, "selector": p.manifest("Deployment", "web")["spec"]["selector"]}


def test_network_policy_default_deny_with_named_paths(p: Preview) -> None:
    policy = p.manifest("NetworkPolicy", "web")["spec"]
    assert sorted(policy["policyTypes"]) == ["Egress", "Ingress"]
    assert policy["podSelector"]["matchLabels"].items() <= (
        p.manifest("Deployment", "web")["spec"]["template"]["metadata"]["labels"].items()
    )
    (rule,) = policy["ingress"]
    namespaces = {f["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"] for f in rule["from"]}
    assert namespaces == {"ingress-nginx", "monitoring"}
    assert rule["ports"] == [{"protocol": "TCP", "port": 8080}]
    dns, db = policy["egress"]
    assert {(x["protocol"], x["port"]) for x in dns["ports"]} == {("UDP", 53), ("TCP", 53)}
    assert db["to"] == [{"podSelector": {"matchLabels": {"cnpg.io/cluster": "web-db"}}}]
    assert db["ports"] == [{"protocol": "TCP", "port": 5432}]


def test_service_monitor_is_selected_by_prometheus(p: Preview) -> None:
    sm = p.manifest("ServiceMonitor", "web")
    assert sm["apiVersion"] == "monitoring.coreos.com/v1"
    assert sm["metadata"]["labels"]["release"] == "kube-prometheus-stack"
    (endpoint,) = sm["spec"]["endpoints"]
    assert endpoint["port"] == "http" and endpoint["path"] == "/metrics"
    assert "greenlight.dev/color" in sm["spec"]["podTargetLabels"]
    svc_labels = p.manifest("Service", "web")["metadata"]["labels"]
    assert sm["spec"]["selector"]["matchLabels"].items() <= svc_labels.items()


def test_ingress_with_tls_only_when_enabled() -> None:
    assert stack("dev").manifests("Ingress") == []
    ing = stack("prod").manifest("Ingress", "web")
    assert ing["apiVersion"] == "networking.k8s.io/v1"
    assert ing["spec"]["tls"] == [{"hosts": ["web.example.com"], "secretName": "web-prod-tls"}]
    backend = ing["spec"]["rules"][0]["http"]["paths"][0]["backend"]["service"]
    assert backend == {"name": "web", "port": {"name": "http"}}


def test_deployment_waits_for_its_migration(p: Preview) -> None:
    by_name = {r.name: r for r in p.resources}
    deployment, job = by_name["app-deployment"], by_name["app-migrate"]
    assert job.urn in deployment.dependencies
