"""`python -m offline plan`: the steps `pulumi up` takes between two states, by the engine's and the Kubernetes
provider's rules, on this repository's stacks and on a fixture whose settings walk through each rule."""

from __future__ import annotations

from dataclasses import dataclass, field
from fnmatch import fnmatch
from pathlib import Path

import pytest

from offline import hazards, kinds, stackconfig
from offline.k8s_diff import ProviderConfig
from offline.plan import SAME, Plan, Step, is_kubernetes_object, plan
from tests.support.preview import ROOT, preview

FIXTURE = ROOT / "tests" / "fixtures" / "plan_program"
DIGEST = (
    "ghcr.io/acme/greenlight-web:1.4.2@sha256:" + "3f1c9a6e2b7d4c8f0a5e9d1b6c2f7a8e4d0b9c3a5f6e1d2c7b8a9f0e1d2c3b4a"
)
BLUE_GREEN_DEV = (
    "greenlight:release.strategy=blue-green",
    f"greenlight:release.blue.image={DIGEST}",
    f"greenlight:release.green.image={DIGEST}",
)
GREEN = ("greenlight:release.activeColor=green",)
FIXTURE_OBJECTS = [
    ("ConfigMap", "shop"),
    ("Deployment", "shop"),
    ("Service", "shop"),
    ("PersistentVolumeClaim", "data"),
]
FIXTURE_OBJECTS.append(("Cache", "cache"))


def label(step: Step) -> str:
    """A step's object as a reviewer names it: `Kind namespace/name` for Kubernetes objects (the name it will
    have), else the resource's type and Pulumi name."""
    resource = step.new if step.new is not None and step.op != "delete" else step.resource
    if is_kubernetes_object(resource):
        return str(kinds.object_id(resource.inputs))
    return f"{resource.type} {resource.name}"


@dataclass(frozen=True)
class Transition:
    name: str
    stack: str
    base: tuple[str, ...]
    head: tuple[str, ...]
    steps: set[tuple[str, str]]  # (op, label); a label may be an fnmatch pattern
    hazards: set[tuple[str, str]] = field(default_factory=set)  # (kind, object or urn pattern)
    cwd: Path = ROOT


def planned(t: Transition) -> tuple[Plan, list[hazards.Hazard]]:
    base = list(preview(t.stack, *t.base, cwd=t.cwd).resources)
    head = list(preview(t.stack, *t.head, cwd=t.cwd).resources)
    provider = ProviderConfig.from_config(stackconfig.load(t.cwd, t.stack, list(t.head)).config)
    steps = plan(base, head, provider)
    return steps, hazards.find(steps, head, provider.default_namespace)


def matches(expected: set[tuple[str, str]], actual: set[tuple[str, str]]) -> bool:
    unmatched = set(actual)
    for op, pattern in expected:
        hit = next((a for a in sorted(unmatched) if a[0] == op and fnmatch(a[1], pattern)), None)
        if hit is None:
            return False
        unmatched.discard(hit)
    return not unmatched


# Objects by `Kind namespace/name` pattern: the strategy switch's creates and deletes (the objects both
# strategies have, the Service `web` and its ServiceAccount, NetworkPolicy and ServiceMonitor, stay).
BLUE_GREEN_OBJECTS = [
    *(f"{kind} greenlight-dev/web-{color}" for kind in ("Service", "PodDisruptionBudget", "Deployment")
      for color in ("blue", "green")),
    *(f"ConfigMap greenlight-dev/web-{color}-config" for color in ("blue", "green")),
    "Service greenlight-dev/web-preview",
    "NetworkPolicy greenlight-dev/web-gate",
    # three gate Jobs, the promotion gate and a landing gate per color: three patterns (steps are a set)
    "Job greenlight-dev/web-gate-*",
    "Job greenlight-dev/web-gate-[0-9a-f]*",
    "Job greenlight-dev/web-gate-*[0-9a-f]",
]  # fmt: skip
ROLLING_OBJECTS = [
    *(f"{kind} greenlight-dev/web" for kind in ("Deployment", "PodDisruptionBudget")),
    "ConfigMap greenlight-dev/web-config",
]
TRANSITIONS = [
    Transition(
        "promotion: the selectors move after the promotion gate, a new Job, has judged green (1.5.0 > 1.4.2)",
        "prod",
        (),
        GREEN,
        {
            ("update", "Service greenlight-prod/web"),
            ("update", "Service greenlight-prod/web-preview"),
            ("create", "Job greenlight-prod/web-gate-*"),
        },
    ),
    Transition(
        "rollback: the selectors move back, the promotion's gate Job goes, no Job starts",
        "prod",
        GREEN,
        (),
        {
            ("update", "Service greenlight-prod/web"),
            ("update", "Service greenlight-prod/web-preview"),
            ("delete", "Job greenlight-prod/web-gate-*"),
        },
    ),
    Transition(
        "database resize: the CloudNativePG Cluster is updated in place",
        "prod",
        (),
        ("greenlight:database.storageSize=100Gi",),
        {("update", "Cluster greenlight-prod/web-db")},
    ),
    Transition(
        "strategy switch rolling -> blue-green: the rolling objects go, the two colors come (and the release "
        "dashboard), and the objects both name `web` keep their identity through aliases (updated in place, "
        "never created twice or deleted)",
        "dev",
        (),
        BLUE_GREEN_DEV,
        {("create", "greenlight:index:BlueGreenRelease release"), ("delete", "greenlight:index:AppDeployment app")}
        | {("create", "ConfigMap monitoring/dashboard-web-release")}
        | {("create", name) for name in BLUE_GREEN_OBJECTS}
        | {("delete", name) for name in ROLLING_OBJECTS}
        | {("update", "Service greenlight-dev/web"), ("update", "NetworkPolicy greenlight-dev/web")}
        # the migration Job is the rolling one's under an alias; the colors' version (1.0.0) is not the
        # rolling 1.4.2, so it runs again under a new name: created first, the old one deleted after
        | {("replace", "Job greenlight-dev/web-migrate-*"), ("replace", "NetworkPolicy greenlight-dev/web-migrate-*")},
    ),
    Transition(
        "renamed component without an alias: its children get new URNs for the same objects",
        "test",
        (),
        ("planprobe:bundleName=store",),
        {
            ("create", "planprobe:index:Bundle store"),
            ("delete", "planprobe:index:Bundle shop"),
            ("create", "ConfigMap plan-probe/shop"),
            ("create", "Deployment plan-probe/shop"),
            ("create", "Service plan-probe/shop"),
            ("delete", "ConfigMap plan-probe/shop"),
            ("delete", "Deployment plan-probe/shop"),
            ("delete", "Service plan-probe/shop"),
        },
        {
            ("claimed-twice", "ConfigMap plan-probe/shop"),
            ("claimed-twice", "Deployment plan-probe/shop"),
            ("claimed-twice", "Service plan-probe/shop"),
            ("protected", "Deployment plan-probe/shop"),
            ("destructive", "Service plan-probe/shop"),
        },
        FIXTURE,
    ),
    Transition(
        "renamed component with an alias: the component and (by inherited aliases) its children keep their state",
        "test",
        (),
        ("planprobe:bundleName=store", "planprobe:aliasFrom=shop"),
        set(),
        set(),
        FIXTURE,
    ),
    Transition(
        "a Service's clusterIP forces a replacement; the fixed name makes the provider delete it first",
        "test",
        (),
        ("planprobe:clusterIP=10.0.0.10",),
        {("replace", "Service plan-probe/shop")},
        {("destructive", "Service plan-probe/shop")},
        FIXTURE,
    ),
    Transition(
        "deleteBeforeReplace=false on a fixed name: the create of the replacement collides with the old object",
        "test",
        (),
        ("planprobe:clusterIP=10.0.0.10", "planprobe:serviceDeleteFirst=false"),
        {("replace", "Service plan-probe/shop")},
        {("destructive", "Service plan-probe/shop"), ("claimed-twice", "Service plan-probe/shop")},
        FIXTURE,
    ),
    Transition(
        "a protected PVC's storage class: the engine refuses the replacement; the retained claim keeps the name",
        "test",
        (),
        ("planprobe:storageClass=fast",),
        {("replace", "PersistentVolumeClaim plan-probe/data")},
        {
            ("protected", "PersistentVolumeClaim plan-probe/data"),
            ("claimed-twice", "PersistentVolumeClaim plan-probe/data"),
        },
        FIXTURE,
    ),
    Transition(
        "removing a protected, retained PVC: the delete is refused",
        "test",
        (),
        ("planprobe:volume=false",),
        {("delete", "PersistentVolumeClaim plan-probe/data")},
        {("protected", "PersistentVolumeClaim plan-probe/data")},
        FIXTURE,
    ),
    Transition(
        "ConfigMap data: replaced (the provider's default without enableConfigMapMutable)",
        "test",
        (),
        ("planprobe:greeting=hi",),
        {("replace", "ConfigMap plan-probe/shop")},
        set(),
        FIXTURE,
    ),
    Transition(
        "a custom resource's field under replaceOnChanges is replaced; one under ignoreChanges changes nothing",
        "test",
        (),
        ("planprobe:tier=silver", "planprobe:cacheSize=3"),
        {("replace", "Cache plan-probe/cache")},
        set(),
        FIXTURE,
    ),
    Transition(
        "an explicit provider for the cluster the default one used: DiffConfig finds no change, nothing is replaced",
        "test",
        (),
        ("planprobe:cluster=a.example",),
        {("create", "pulumi:providers:kubernetes cluster")},
        set(),
        FIXTURE,
    ),
    Transition(
        "a provider pointed at another cluster: it and every object it manages are replaced",
        "test",
        ("planprobe:cluster=a.example",),
        ("planprobe:cluster=b.example",),
        {("replace", "pulumi:providers:kubernetes cluster")}
        | {("replace", f"{kind} plan-probe/{name}") for kind, name in FIXTURE_OBJECTS},
        {
            ("protected", "PersistentVolumeClaim plan-probe/data"),
            ("protected", "Deployment plan-probe/shop"),
            ("destructive", "Service plan-probe/shop"),
        },
        FIXTURE,
    ),
    Transition(
        "an HPA starts scaling a Deployment that still sets spec.replicas",
        "test",
        (),
        ("planprobe:hpa=true",),
        {("create", "HorizontalPodAutoscaler plan-probe/shop")},
        {("field-manager-conflict", "Deployment plan-probe/shop")},
        FIXTURE,
    ),
]


@pytest.mark.parametrize("transition", TRANSITIONS, ids=[t.name.split(":")[0] for t in TRANSITIONS])
def test_transition_has_the_expected_steps_and_hazards(transition: Transition) -> None:
    steps, found = planned(transition)
    actual_steps = {(s.op, label(s)) for s in steps.steps if s.op != SAME}
    assert matches(transition.steps, actual_steps), sorted(actual_steps)
    actual_hazards = {(h.kind, h.object) for h in found}
    assert matches(transition.hazards, actual_hazards), [h.message for h in found]
    assert not steps.errors


def test_promotion_changes_only_the_color_selectors_and_creates_the_gate() -> None:
    steps, _ = planned(TRANSITIONS[0])
    changed = {label(s): s for s in steps.steps if s.op != SAME}
    for service in ("Service greenlight-prod/web", "Service greenlight-prod/web-preview"):
        assert [c.key for c in changed[service].changes] == ['spec.selector["greenlight.dev/color"]']
    active = changed["Service greenlight-prod/web"].changes[0]
    assert (active.before, active.after) == ("blue", "green")
    assert [s.op for s in steps.steps if s.op != SAME and "Job" in label(s)] == ["create"]


def test_database_resize_is_an_update_of_the_storage_size_only() -> None:
    steps, _ = planned(TRANSITIONS[2])
    [step] = [s for s in steps.steps if s.op != SAME]
    assert [(c.key, c.before, c.after) for c in step.changes] == [("spec.storage.size", "50Gi", "100Gi")]


def test_replace_strategies_follow_the_provider_and_the_resource_option() -> None:
    service, service_cbd, configmap, cache = (planned(TRANSITIONS[i])[0] for i in (6, 7, 10, 11))
    assert [s.delete_first for s in service.steps if s.op == "replace"] == [True]  # named: provider deletes first
    assert [s.delete_first for s in service_cbd.steps if s.op == "replace"] == [False]  # the option wins
    assert [s.delete_first for s in configmap.steps if s.op == "replace"] == [True]
    [replaced] = [s for s in cache.steps if s.op == "replace"]
    assert replaced.delete_first and replaced.replace_keys == ["spec.tier"]  # spec.size is ignored


def test_the_same_state_plans_no_steps() -> None:
    steps, found = planned(Transition("same", "prod", (), (), set()))
    assert {s.op for s in steps.steps} == {SAME} and not found


def test_resources_json_records_the_options_the_plan_needs() -> None:
    render = preview("test", "planprobe:aliasFrom=old", "planprobe:importId=plan-probe/adopted", cwd=FIXTURE)
    records = {r["name"]: r for r in render.records()}
    cache, data, bundle = records["cache"], records["data"], records["shop"]
    assert cache["replaceOnChanges"] == ["spec.tier"] and cache["ignoreChanges"] == ["spec.size"]
    assert cache["deleteBeforeReplace"] is True and cache["customTimeouts"] == {"create": "5m", "delete": "1m"}
    assert records["shop-service"]["deleteBeforeReplace"] is None  # not set: the provider decides
    assert data["protect"] is True and data["retainOnDelete"] is True
    assert bundle["aliases"] == [{"name": "old"}]
    assert records["adopted"]["importId"] == "plan-probe/adopted"


def test_an_import_is_planned_as_an_import() -> None:
    steps, found = planned(
        Transition("import", "test", (), ("planprobe:importId=plan-probe/adopted",), set(), cwd=FIXTURE)
    )
    assert [(s.op, s.resource.name) for s in steps.steps if s.op != SAME] == [("import", "adopted")]
    assert not found
