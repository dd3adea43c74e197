"""register() and read() send the engine what pulumi-kubernetes' typed classes send, old-API aliases included.

Each manifest is registered twice in one program under Pulumi's mocks, once through the typed class
(`k8s.apps.v1.Deployment(...)`, as components did before) and once through `register()`, under two
parents so the names match; the RegisterResource requests the engine would receive are compared field
by field.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable
from typing import Any

import pulumi
import pulumi_kubernetes as k8s
import pytest
from pulumi.runtime import mocks, rpc
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.stack import run_pulumi_func
from pulumi.runtime.sync_await import _sync_await

from components.resources.register import read, register, type_token
from components.resources.typed_aliases import typed_aliases as lookup

META = {"name": "web", "namespace": "shop", "labels": {"app.kubernetes.io/name": "web"}}
POD = {"containers": [{"name": "web", "image": "ghcr.io/acme/web:1.0", "ports": [{"containerPort": 8080}]}]}
SELECTOR = {"matchLabels": {"app.kubernetes.io/name": "web"}}
TEMPLATE = {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}, "spec": POD}
MANIFESTS: list[dict[str, Any]] = [
    {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop"}},
    {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": META, "automountServiceAccountToken": False},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": META, "data": {"LOG_LEVEL": "info"}},
    {"apiVersion": "v1", "kind": "Service", "metadata": META, "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}},  # noqa: E501
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": META, "spec": {"replicas": 3, "selector": SELECTOR, "template": TEMPLATE}},  # noqa: E501
    {"apiVersion": "autoscaling/v2", "kind": "HorizontalPodAutoscaler", "metadata": META, "spec": {"minReplicas": 2, "maxReplicas": 5, "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": "web"}}},  # noqa: E501
    {"apiVersion": "policy/v1", "kind": "PodDisruptionBudget", "metadata": META, "spec": {"minAvailable": 1, "selector": SELECTOR}},  # noqa: E501
    {"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy", "metadata": META, "spec": {"podSelector": SELECTOR, "policyTypes": ["Ingress"]}},  # noqa: E501
    {"apiVersion": "networking.k8s.io/v1", "kind": "Ingress", "metadata": META, "spec": {"rules": [{"host": "web.example.com"}]}},  # noqa: E501
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": META, "spec": {"backoffLimit": 0, "template": {"spec": {**POD, "restartPolicy": "Never"}}}},  # noqa: E501
    {"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": {"name": "reader"}, "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get"]}]},  # noqa: E501
    {"apiVersion": "monitoring.coreos.com/v1", "kind": "PrometheusRule", "metadata": META, "spec": {"groups": []}},
]  # fmt: skip
# The typed classes components registered built-in kinds with before; CRDs went through CustomResource.
TYPED: dict[str, Callable[..., pulumi.CustomResource]] = {
    "Namespace": k8s.core.v1.Namespace,
    "ServiceAccount": k8s.core.v1.ServiceAccount,
    "ConfigMap": k8s.core.v1.ConfigMap,
    "Secret": k8s.core.v1.Secret,
    "Service": k8s.core.v1.Service,
    "Deployment": k8s.apps.v1.Deployment,
    "HorizontalPodAutoscaler": k8s.autoscaling.v2.HorizontalPodAutoscaler,
    "PodDisruptionBudget": k8s.policy.v1.PodDisruptionBudget,
    "NetworkPolicy": k8s.networking.v1.NetworkPolicy,
    "Ingress": k8s.networking.v1.Ingress,
    "Job": k8s.batch.v1.Job,
    "ClusterRole": k8s.rbac.v1.ClusterRole,
}
# The stable API versions of the built-in groups (pulumi_kubernetes module -> API group; core is "").
STABLE_MODULES = [
    k8s.apps.v1, k8s.autoscaling.v2, k8s.batch.v1, k8s.core.v1, k8s.networking.v1, k8s.policy.v1, k8s.rbac.v1,
]  # fmt: skip
API_GROUPS = {"core": "", "networking": "networking.k8s.io", "rbac": "rbac.authorization.k8s.io"}
SNAKE = {"stringData": "string_data", "automountServiceAccountToken": "automount_service_account_token"}
# Where the requests of one object differ for reasons other than how it was registered.
CALL_SITE_FIELDS = ("name", "parent", "sourcePosition", "stackTrace", "parentStackTraceHandle")


class CapturingMonitor(mocks.MockMonitor):
    def __init__(self) -> None:
        super().__init__(EchoMocks())
        self.requests: dict[str, Any] = {}

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        self.requests[response.urn] = request
        return response

    def ReadResource(self, request: Any) -> Any:
        response = super().ReadResource(request)
        self.requests[response.urn] = request
        return response


class EchoMocks(mocks.Mocks):
    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


def typed(name: str, manifest: dict[str, Any], opts: pulumi.ResourceOptions) -> pulumi.CustomResource:
    fields = {SNAKE.get(k, k): v for k, v in manifest.items() if k not in ("apiVersion", "kind")}
    if manifest["kind"] in TYPED:
        return TYPED[manifest["kind"]](name, **fields, opts=opts)
    return k8s.apiextensions.CustomResource(name, manifest["apiVersion"], manifest["kind"], **fields, opts=opts)


def run(program: Callable[[], None]) -> CapturingMonitor:
    """`program` under Pulumi's mocks, as offline/engine.py runs one; the requests the engine receives."""
    monitor = CapturingMonitor()
    runtime_settings.ROOT.set(None)
    runtime_settings.SETTINGS.rpc_manager.clear()
    runtime_settings.SETTINGS.outputs.clear()
    mocks.set_mocks(monitor.mocks, project="greenlight", stack="test", preview=True, monitor=monitor)
    _sync_await(run_pulumi_func(program))
    return monitor


def both_ways(manifests: list[dict[str, Any]], **options: Any) -> list[tuple[Any, Any]]:
    """(typed class's request, register()'s request) per manifest: the same names under two parents."""

    def program() -> None:
        for parent_type, how in (("test:index:Typed", typed), ("test:index:Registered", register)):
            parent = pulumi.ComponentResource(parent_type, "parent")
            for manifest in manifests:
                how(manifest["kind"].lower(), manifest, pulumi.ResourceOptions(parent=parent, **options))

    requests = run(program).requests

    def request(parent_type: str, manifest: dict[str, Any]) -> Any:
        token = type_token(manifest["apiVersion"], manifest["kind"])
        return requests[f"urn:pulumi:test::greenlight::{parent_type}${token}::{manifest['kind'].lower()}"]

    return [(request("test:index:Typed", m), request("test:index:Registered", m)) for m in manifests]


def without(request: Any, *fields: str) -> Any:
    copy = type(request)()
    copy.CopyFrom(request)
    for name in fields:
        copy.ClearField(name)
    return copy


def typed_aliases(request: Any) -> list[str]:
    """The aliases a typed class adds itself: the kind under an old API version, nothing else."""
    return [a.spec.type for a in request.aliases if a.spec.type.startswith("kubernetes:")]


@pytest.mark.parametrize("manifest", MANIFESTS, ids=lambda m: str(m["kind"]))
def test_register_sends_what_the_typed_class_sends(manifest: dict[str, Any]) -> None:
    [(before, after)] = both_ways([manifest])
    assert after.type == before.type == type_token(manifest["apiVersion"], manifest["kind"])
    assert rpc.deserialize_properties(after.object) == manifest  # the manifest's fields, as written
    assert after.version == before.version != ""  # the provider version pulumi-kubernetes sends
    assert list(after.aliases) == list(before.aliases)  # the kind's old API versions, in the same order
    assert without(after, *CALL_SITE_FIELDS) == without(before, *CALL_SITE_FIELDS)


def test_the_typed_aliases_are_old_api_versions_of_the_kind() -> None:
    aliases = {m["kind"]: typed_aliases(after) for m, (_, after) in zip(MANIFESTS, both_ways(MANIFESTS), strict=True)}
    assert aliases["Deployment"] == [
        "kubernetes:apps/v1beta1:Deployment",
        "kubernetes:apps/v1beta2:Deployment",
        "kubernetes:extensions/v1beta1:Deployment",
    ]
    assert aliases["PodDisruptionBudget"] == ["kubernetes:policy/v1beta1:PodDisruptionBudget"]
    assert aliases["Namespace"] == aliases["ConfigMap"] == aliases["PrometheusRule"] == []


def _source_aliases(typed_class: Any) -> list[str]:
    """The alias type tokens written in a typed class's `_internal_init` (what it merges into its options)."""
    return re.findall(r'pulumi\.Alias\(type_="([^"]+)"\)', inspect.getsource(typed_class._internal_init))


@pytest.mark.parametrize("module", STABLE_MODULES, ids=lambda m: str(m.__name__))
def test_the_alias_table_covers_every_typed_class_of_the_stable_api_versions(module: Any) -> None:
    """Also the kinds greenlight does not register yet: a new component gets them right from the start."""
    assert module.outputs is not None  # loads the lazy module, so that dir() lists its classes
    members = [getattr(module, name) for name in dir(module)]
    classes = [c for c in members if isinstance(c, type) and issubclass(c, pulumi.CustomResource)]
    assert classes
    for typed_class in (c for c in classes if not c.__name__.endswith("Patch")):  # patches are not manifests
        version = module.__name__.split(".")[-1]
        group = API_GROUPS.get(module.__name__.split(".")[-2], module.__name__.split(".")[-2])
        api_version = f"{group}/{version}" if group else version
        expected = _source_aliases(typed_class)
        assert lookup(api_version, typed_class.__name__) == expected, typed_class


def test_a_secret_stays_secret_in_and_out() -> None:
    password = pulumi.Output.secret("hunter2")
    secret = {"apiVersion": "v1", "kind": "Secret", "metadata": META, "type": "Opaque"}
    [(before, after)] = both_ways([{**secret, "stringData": {"password": password}}])
    assert list(after.additionalSecretOutputs) == list(before.additionalSecretOutputs) == ["data", "stringData"]
    inputs = rpc.deserialize_properties(after.object)
    assert rpc.is_rpc_secret(inputs["stringData"])  # the whole map, as the typed Secret marks it
    assert rpc.unwrap_rpc_secret(inputs["stringData"]) == {"password": "hunter2"}
    assert without(after, *CALL_SITE_FIELDS) == without(before, *CALL_SITE_FIELDS)
    plain = both_ways([{**secret, "data": {"token": "dG9rZW4="}}])[0]
    assert rpc.is_rpc_secret(rpc.deserialize_properties(plain[1].object)["data"])  # secret even if plain
    assert without(plain[1], *CALL_SITE_FIELDS) == without(plain[0], *CALL_SITE_FIELDS)


def test_a_components_own_options_and_aliases_still_reach_the_engine() -> None:
    old = pulumi.Alias(name="monitoring-dashboard-web", parent="urn:pulumi:test::greenlight::x:index:Old::monitoring")
    timeouts = pulumi.CustomTimeouts(create="30m")
    options = {"protect": True, "retain_on_delete": True, "aliases": [old], "custom_timeouts": timeouts}
    [(before, after)] = both_ways([MANIFESTS[4]], **options)  # a Deployment: it has typed aliases too
    assert after.protect and after.retainOnDelete and after.customTimeouts.create == "30m"
    assert [a.spec.name for a in after.aliases][:1] == ["monitoring-dashboard-web"]  # the caller's first
    assert len(after.aliases) == 4
    assert without(after, *CALL_SITE_FIELDS) == without(before, *CALL_SITE_FIELDS)


def test_outputs_read_like_the_typed_ones() -> None:
    """What components and exports read from a registered object: its fields as Outputs."""
    seen: dict[str, Any] = {}

    def program() -> None:
        namespace = register("namespace", MANIFESTS[0])
        namespace.metadata["name"].apply(lambda name: seen.setdefault("name", name))  # type: ignore[attr-defined]

    run(program)
    assert seen == {"name": "shop"}


def test_the_type_token_is_the_providers() -> None:
    assert type_token("v1", "Secret") == "kubernetes:core/v1:Secret"
    assert type_token("apps/v1", "Deployment") == "kubernetes:apps/v1:Deployment"
    crd = "kubernetes:monitoring.coreos.com/v1:PrometheusRule"
    assert type_token("monitoring.coreos.com/v1", "PrometheusRule") == crd


def test_read_sends_what_the_typed_get_sends() -> None:
    """components/resources/live.py reads the live Deployment: the same read step as `Deployment.get`."""

    def program() -> None:
        typed_parent = pulumi.ComponentResource("test:index:Typed", "parent")
        k8s.apps.v1.Deployment.get("live", "shop/web", opts=pulumi.ResourceOptions(parent=typed_parent))
        parent = pulumi.ComponentResource("test:index:Read", "parent")
        read(
            "live", "apps/v1", "Deployment", pulumi.Output.from_input("shop/web"), pulumi.ResourceOptions(parent=parent)
        )

    requests = run(program).requests
    deployment = "kubernetes:apps/v1:Deployment"
    before = requests[f"urn:pulumi:test::greenlight::test:index:Typed${deployment}::live"]
    after = requests[f"urn:pulumi:test::greenlight::test:index:Read${deployment}::live"]
    assert after.type == deployment and after.id == "shop/web" and after.version == before.version != ""
    assert without(after, *CALL_SITE_FIELDS) == without(before, *CALL_SITE_FIELDS)
