"""Every policy, passing and failing, through the analyzer protocol the offline preview uses.

One pack process serves the whole module. Each case starts from the compliant fixture stack and
changes one thing; a failing case names the resource the finding must point at.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from offline.analyzer import PolicyPack, Remediation, Violation
from offline.engine import Resource
from offline.stackconfig import StackConfig, UsageError
from tests.support.policy_fixtures import (
    ALERTMANAGER_YAML,
    PROJECT,
    STACK,
    Spec,
    changed,
    compliant,
    container,
    first_container,
    labels,
    meta,
    pod_of,
    pod_spec,
    resources,
    urn,
)
from tests.support.preview import ROOT

POLICIES = ROOT / "policies"
CONFIG = POLICIES / "config"
NO_REMEDIATION = "prod, nothing remediated"  # every policy mandatory, so managed-by-label reports instead of fixing


@dataclass(frozen=True)
class Case:
    id: str
    build: Callable[[], dict[str, Spec]]
    fires: bool
    env: str = "prod"
    where: str | None = None  # spec whose URN the finding names; "" = the stack; None = don't check
    text: str = ""  # a fragment of the imperative message


class Evaluator:
    def __init__(self, pack: PolicyPack, configs: dict[str, Path]) -> None:
        self.pack, self.env, self.configs = pack, "", configs

    def configure(self, config_file: Path) -> dict[str, str]:
        self.env = ""
        return self.pack.configure(config_file, StackConfig(PROJECT, STACK, {}, frozenset()))

    def run(self, env: str, specs: dict[str, Spec]) -> tuple[list[Violation], list[Remediation], list[Resource]]:
        if env != self.env:
            self.configure(self.configs[env])
            self.env = env
        stack = resources(specs)
        remediations = [rem for r in stack for rem in self.pack.remediate(r)]
        violations = [v for r in stack for v in self.pack.analyze(r)] + self.pack.analyze_stack(stack)
        return violations, remediations, stack


@pytest.fixture(scope="module")
def evaluator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Evaluator]:
    strict = tmp_path_factory.mktemp("policy-config") / "strict.json"
    strict.write_text(json.dumps({"all": "mandatory"}))
    configs = {env: CONFIG / f"{env}.json" for env in ("dev", "staging", "prod")} | {NO_REMEDIATION: strict}
    with PolicyPack(POLICIES) as pack:
        yield Evaluator(pack, configs)


# -- changes: each breaks (or bends) exactly one rule ---------------------------------------------------


def set_in(name: str, fn: Callable[[dict[str, Any]], None]) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(specs[name].inputs)


def on_container(fn: Callable[[dict[str, Any]], None], name: str = "blue") -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(first_container(specs, name))


def on_pod(fn: Callable[[dict[str, Any]], None], name: str = "blue") -> Callable[[dict[str, Spec]], None]:
    return lambda specs: fn(pod_of(specs, name))


def add(name: str, spec: Spec) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: specs.__setitem__(name, spec)


def drop(*names: str) -> Callable[[dict[str, Spec]], None]:
    return lambda specs: [specs.pop(n) for n in names]  # type: ignore[func-returns-value]


def as_kind(kind: str) -> Spec:
    """A workload of `kind` whose single container lacks resources: the same rule over every kind."""
    bare = container(probes=kind not in ("Job", "CronJob"))
    del bare["resources"]
    pod = {**pod_spec(), "containers": [bare]}
    template = {"metadata": {"labels": labels()}, "spec": pod}
    spec: dict[str, Any] = {
        "Pod": pod,
        "CronJob": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": template}}},
    }.get(kind, {"selector": {"matchLabels": {"app.kubernetes.io/name": "other"}}, "template": template})
    return Spec(kind, {"metadata": meta(f"x-{kind.lower()}"), "spec": spec})


# Pulumi's sentinel for a value not known until `pulumi up` (pulumi.runtime.rpc.UNKNOWN).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


def sidecar() -> dict[str, Any]:
    """A compliant container turned into a native sidecar, minus its probes."""
    return {**container(name="proxy", probes=False, ports=False), "restartPolicy": "Always"}


def literal_env(name: str, value: str) -> Callable[[dict[str, Any]], None]:
    return lambda c: c["env"].append({"name": name, "value": value})


def public_lb(annotations: dict[str, str]) -> Callable[[dict[str, Spec]], None]:
    def change(specs: dict[str, Spec]) -> None:
        service = specs["active"].inputs
        service["spec"]["type"] = "LoadBalancer"
        service["metadata"]["annotations"] = annotations

    return change


def rolling(max_unavailable: Any = 0, history: int | None = None) -> Callable[[dict[str, Spec]], None]:
    """Turns the blue-green pair into one rolling Deployment."""

    def change(specs: dict[str, Spec]) -> None:
        specs.pop("green")
        specs.pop("preview")
        deployment = specs["blue"].inputs
        deployment["metadata"]["labels"].pop("greenlight.dev/color")
        deployment["spec"]["strategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}
        if history is not None:
            deployment["spec"]["revisionHistoryLimit"] = history

    return change


def alertmanager(text: str) -> Callable[[dict[str, Spec]], None]:
    return set_in("am-config", lambda s: s["stringData"].__setitem__("alertmanager.yaml", text))


def chart_child_deployment(specs: dict[str, Spec]) -> None:
    """A vendor's Deployment rendered by a chart: unpinned, root, unlabelled. Not the stack's to fix."""
    vendor = {
        "metadata": {"name": "vendor", "namespace": "monitoring"},
        "spec": {
            "replicas": 1,
            "template": {
                "metadata": {"labels": {"app": "vendor"}},
                "spec": {"containers": [{"name": "v", "image": "vendor:latest", "ports": [{"containerPort": 80}]}]},
            },
        },
    }
    specs["vendor"] = Spec("Deployment", vendor, in_chart="prometheus")


def statefulset(annotations: dict[str, str] | None = None, protect: bool = True) -> Callable[[dict[str, Spec]], None]:
    def change(specs: dict[str, Spec]) -> None:
        sts = as_kind("StatefulSet")
        first_container_spec = sts.inputs["spec"]["template"]["spec"]["containers"][0]
        first_container_spec["resources"] = container()["resources"]
        del first_container_spec["ports"]
        sts.inputs["metadata"]["annotations"] = annotations or {}
        sts.inputs["spec"]["replicas"] = 2
        specs["sts"] = Spec("StatefulSet", sts.inputs, protect=protect)

    return change


WRONG_ROUTE = ALERTMANAGER_YAML.replace("- receiver: pagerduty", '- receiver: "null"')

CASES: dict[str, list[Case]] = {
    "container-resources": [
        *[
            Case(
                f"{kind} without resources",
                lambda kind=kind: changed(add("x", as_kind(kind))),
                True,
                where="x",
                text="set resources requests.cpu",
            )
            for kind in ("Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob", "Pod")
        ],
        Case(
            "limits.memory missing",
            lambda: changed(on_container(lambda c: c["resources"]["limits"].pop("memory"))),
            True,
            where="blue",
            text="limits.memory",
        ),
    ],
    "container-probes": [
        Case(
            "no readiness probe",
            lambda: changed(on_container(lambda c: c.pop("readinessProbe"))),
            True,
            where="blue",
            text="add readinessProbe",
        ),
        Case("a Job needs none (the fixture's migration Job)", compliant, False),
        Case(
            "a native sidecar (init container, restartPolicy Always) without probes",
            lambda: changed(on_pod(lambda p: p.setdefault("initContainers", []).append(sidecar()))),
            True,
            where="blue",
            text="container proxy: add livenessProbe and readinessProbe",
        ),
    ],
    "image-pinned": [
        Case(
            "latest",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:latest"))),
            True,
            where="blue",
            text="mutable tag 'latest'",
        ),
        Case(
            "no tag",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "nginx"))),
            True,
            env="dev",
            where="blue",
            text="has no tag",
        ),
        Case(
            "tag without digest in prod",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2"))),
            True,
            where="blue",
            text="not pinned by digest",
        ),
        Case(
            "a digest mark without a digest pins nothing",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2@sha256:"))),
            True,
            where="blue",
            text="not pinned by digest",
        ),
        Case(
            "tag without digest is enough in dev",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2"))),
            False,
            env="dev",
        ),
    ],
    "run-as-non-root": [
        Case(
            "runAsNonRoot unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("runAsNonRoot"))),
            True,
            where="blue",
            text="runAsNonRoot: true",
        ),
        Case(
            "container runs as UID 0",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("runAsUser", 0))),
            True,
            where="blue",
            text="runAsUser is 0",
        ),
    ],
    "run-as-high-uid": [
        Case(
            "a UID computed during the update is judged later, not a crash",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("runAsUser", UNKNOWN))),
            False,
        ),
        Case(
            "UID 1000",
            lambda: changed(on_pod(lambda p: p["securityContext"].__setitem__("runAsUser", 1000))),
            True,
            where="blue",
            text="below 10000",
        ),
        Case(
            "UID unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("runAsUser"))),
            True,
            where="blue",
            text="set securityContext.runAsUser",
        ),
    ],
    "read-only-root-filesystem": [
        Case(
            "writable root",
            lambda: changed(on_container(lambda c: c["securityContext"].pop("readOnlyRootFilesystem"))),
            True,
            where="blue",
            text="readOnlyRootFilesystem: true",
        ),
    ],
    "no-privilege-escalation": [
        Case(
            "escalation allowed",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("allowPrivilegeEscalation", True))),
            True,
            where="blue",
            text="allowPrivilegeEscalation: false",
        ),
        Case(
            "privileged",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("privileged", True))),
            True,
            where="blue",
            text="privileged",
        ),
    ],
    "drop-all-capabilities": [
        Case(
            "nothing dropped",
            lambda: changed(on_container(lambda c: c["securityContext"].pop("capabilities"))),
            True,
            where="blue",
            text="drop: [ALL]",
        ),
        Case(
            "NET_ADMIN added",
            lambda: changed(
                on_container(lambda c: c["securityContext"]["capabilities"].__setitem__("add", ["NET_ADMIN"]))
            ),
            True,
            where="blue",
            text="NET_ADMIN",
        ),
        Case(
            "NET_BIND_SERVICE may be added",
            lambda: changed(
                on_container(lambda c: c["securityContext"]["capabilities"].__setitem__("add", ["NET_BIND_SERVICE"]))
            ),
            False,
        ),
    ],
    "seccomp-profile": [
        Case(
            "unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("seccompProfile"))),
            True,
            where="blue",
            text="RuntimeDefault",
        ),
        Case(
            "Unconfined on the container",
            lambda: changed(
                on_container(lambda c: c["securityContext"].__setitem__("seccompProfile", {"type": "Unconfined"}))
            ),
            True,
            where="blue",
        ),
    ],
    "no-host-namespaces": [
        Case(
            "hostNetwork",
            lambda: changed(on_pod(lambda p: p.__setitem__("hostNetwork", True))),
            True,
            where="blue",
            text="remove hostNetwork",
        ),
        Case(
            "hostPID on a CronJob",
            lambda: changed(add("x", as_kind("CronJob")), lambda s: pod_of_cron(s).__setitem__("hostPID", True)),
            True,
            where="x",
            text="hostPID",
        ),
    ],
    "no-host-path-volumes": [
        Case(
            "hostPath",
            lambda: changed(
                on_pod(
                    lambda p: p.__setitem__(
                        "volumes", [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]
                    )
                )
            ),
            True,
            where="blue",
            text="/var/run/docker.sock",
        ),
    ],
    "no-literal-secret-env": [
        Case(
            "DB_PASSWORD literal",
            lambda: changed(on_container(literal_env("DB_PASSWORD", "hunter2"))),
            True,
            where="blue",
            text="DB_PASSWORD",
        ),
        Case(
            "api_key literal (any case)",
            lambda: changed(on_container(literal_env("api_key", "abc"))),
            True,
            where="blue",
        ),
        Case(
            "a password inside a literal URL",
            lambda: changed(on_container(literal_env("DATABASE_URL", "postgres://app:hunter2@db:5432/app"))),
            True,
            where="blue",
            text="DATABASE_URL is a URL with a literal password",
        ),
        Case(
            "a URL whose password is expanded from a secretKeyRef variable",
            lambda: changed(on_container(literal_env("DATABASE_URL", "postgres://app:$(DB_PASSWORD)@db:5432/app"))),
            False,
        ),
        Case(
            "the name of a Secret is not a secret",
            lambda: changed(on_container(literal_env("TLS_SECRET_NAME", "web-tls"))),
            False,
        ),
        Case(
            "a *_FILE path is not a secret",
            lambda: changed(on_container(literal_env("DB_PASSWORD_FILE", "/run/secrets/db"))),
            False,
        ),
    ],
    "recommended-labels": [
        Case(
            "team missing on a Service",
            lambda: changed(set_in("active", lambda s: s["metadata"]["labels"].pop("team"))),
            True,
            where="active",
            text="add the labels team",
        ),
        Case(
            "cost-center missing on the pod template",
            lambda: changed(lambda s: s["blue"].inputs["spec"]["template"]["metadata"]["labels"].pop("cost-center")),
            True,
            where="blue",
            text="pod template",
        ),
    ],
    "managed-by-label": [
        Case(
            "missing: fires when not remediated",
            lambda: changed(set_in("active", lambda s: s["metadata"]["labels"].pop("app.kubernetes.io/managed-by"))),
            True,
            env=NO_REMEDIATION,
            where="active",
            text="managed-by=pulumi",
        ),
    ],
    "no-public-load-balancer": [
        Case("public LB", lambda: changed(public_lb({})), True, where="active", text="public LoadBalancer"),
        Case(
            "internal AWS LB",
            lambda: changed(public_lb({"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"})),
            False,
        ),
        Case(
            "allowed explicitly",
            lambda: changed(public_lb({"greenlight.dev/allow-public-load-balancer": "true"})),
            False,
        ),
    ],
    "backups-scheduled": [
        Case("no ScheduledBackup", lambda: changed(drop("db-backup")), True, where="db", text="add a ScheduledBackup"),
        Case(
            "no spec.backup",
            lambda: changed(set_in("db", lambda s: s["spec"].pop("backup"))),
            True,
            where="db",
            text="spec.backup",
        ),
        Case("StatefulSet without backup", lambda: changed(statefulset()), True, where="sts", text="Velero"),
        Case(
            "StatefulSet with a documented backup",
            lambda: changed(statefulset({"greenlight.dev/backup": "velero schedule daily"})),
            False,
        ),
        Case("dev needs none", lambda: changed(drop("db-backup")), False, env="dev"),
    ],
    "stateful-protected": [
        Case(
            "unprotected database",
            lambda: changed(lambda s: setattr(s["db"], "protect", False)),
            True,
            where="db",
            text="protect=True",
        ),
        Case(
            "unprotected StatefulSet",
            lambda: changed(statefulset({"greenlight.dev/backup": "x"}, protect=False)),
            True,
            where="sts",
        ),
        Case("dev may delete", lambda: changed(lambda s: setattr(s["db"], "protect", False)), False, env="dev"),
    ],
    "min-replicas": [
        Case(
            "replicas 1",
            lambda: changed(set_in("green", lambda d: d["spec"].__setitem__("replicas", 1))),
            True,
            where="green",
            text="spec.replicas is 1",
        ),
        Case("no replicas and no HPA", lambda: changed(drop("hpa")), True, where="blue", text="spec.replicas is 1"),
        Case(
            "HPA minimum 1",
            lambda: changed(set_in("hpa", lambda h: h["spec"].__setitem__("minReplicas", 1))),
            True,
            where="blue",
            text="minReplicas is 1",
        ),
        Case("one replica is fine in dev", lambda: changed(drop("hpa")), False, env="dev"),
    ],
    "pod-disruption-budget": [
        Case("no PDB", lambda: changed(drop("pdb")), True, where="blue", text="add a PodDisruptionBudget"),
        Case(
            "PDB allows no disruption",
            lambda: changed(set_in("pdb", lambda p: p["spec"].update({"maxUnavailable": 0}))),
            True,
            where="blue",
            text="allows no disruption",
        ),
        Case(
            "minAvailable below replicas",
            lambda: changed(
                set_in("pdb", lambda p: (p["spec"].pop("maxUnavailable"), p["spec"].__setitem__("minAvailable", 1)))
            ),
            False,
        ),
        Case(
            "minAvailable 100%",
            lambda: changed(
                set_in(
                    "pdb", lambda p: (p["spec"].pop("maxUnavailable"), p["spec"].__setitem__("minAvailable", "100%"))
                )
            ),
            True,
            where="blue",
        ),
    ],
    "rollback-plan": [
        Case("rolling with maxUnavailable 0 and history", lambda: changed(rolling(0, 3)), False),
        Case(
            "rolling with the default maxUnavailable",
            lambda: changed(rolling("25%")),
            True,
            where="blue",
            text="maxUnavailable: 0",
        ),
        Case(
            "rolling without history", lambda: changed(rolling(0, 1)), True, where="blue", text="revisionHistoryLimit 1"
        ),
        Case(
            "idle track scaled to zero",
            lambda: changed(set_in("green", lambda d: d["spec"].__setitem__("replicas", 0))),
            True,
            where="green",
            text="scaled to 0",
        ),
        Case("rolling without history is dev's business", lambda: changed(rolling("25%")), False, env="dev"),
    ],
    "migrations-before-traffic": [
        Case(
            "Deployment does not wait for the migration",
            lambda: changed(lambda s: setattr(s["blue"], "depends_on", [])),
            True,
            where="blue",
            text="migration Job",
        ),
        Case(
            "the Service waits instead",
            lambda: changed(
                lambda s: setattr(s["green"], "depends_on", []),
                lambda s: setattr(s["preview"], "depends_on", ["migrate"]),
            ),
            False,
        ),
        Case("no migration Job at all", lambda: changed(drop("migrate")), True, where="green"),
    ],
    "app-scraped": [
        Case("no ServiceMonitor", lambda: changed(drop("monitor")), True, where="blue", text="ServiceMonitor"),
        Case(
            "ServiceMonitor in another namespace without namespaceSelector",
            lambda: changed(set_in("monitor", lambda m: m["metadata"].__setitem__("namespace", "monitoring"))),
            True,
            where="green",
        ),
        Case(
            "a PodMonitor instead",
            lambda: changed(drop("monitor"), lambda s: s.__setitem__("podmon", pod_monitor())),
            False,
        ),
    ],
    "app-alerts": [
        Case(
            "rules select another job",
            lambda: changed(
                set_in(
                    "rules",
                    lambda r: r["spec"]["groups"][0].__setitem__(
                        "rules", [{**rule, "expr": 'up{job="other"} == 0'} for rule in r["spec"]["groups"][0]["rules"]]
                    ),
                )
            ),
            True,
            where="blue",
            text="no alert rule selects it",
        ),
        Case(
            "rules in the chart's additionalPrometheusRulesMap count",
            lambda: changed(
                lambda s: (
                    s["prometheus"]
                    .inputs["values"]
                    .__setitem__("additionalPrometheusRulesMap", {"web": s.pop("rules").inputs["spec"]})
                )
            ),
            False,
        ),
    ],
    "critical-alerts-routed": [
        Case(
            "critical routes to the null receiver",
            lambda: changed(alertmanager(WRONG_ROUTE)),
            True,
            where="",
            text="notifies nobody",
        ),
        Case(
            "no Alertmanager config", lambda: changed(drop("am-config")), True, where="", text="No Alertmanager config"
        ),
        Case(
            "config in the chart values",
            lambda: changed(
                drop("am-config"),
                lambda s: s["prometheus"].inputs["values"]["alertmanager"].__setitem__("config", ALERTMANAGER_YAML),
            ),
            False,
        ),
        Case("dev may drop criticals", lambda: changed(alertmanager(WRONG_ROUTE)), False, env="dev"),
    ],
    "logging-stack": [
        Case("no Loki", lambda: changed(drop("loki")), True, where="", text="No log store"),
        Case("no collector", lambda: changed(drop("alloy")), True, where="", text="No log collector"),
        Case(
            "promtail is a collector",
            lambda: changed(lambda s: s["alloy"].inputs.__setitem__("chart", "oci://ghcr.io/grafana/promtail")),
            False,
        ),
    ],
    "alert-metadata": [
        Case(
            "no runbook_url",
            lambda: changed(
                set_in("rules", lambda r: r["spec"]["groups"][0]["rules"][0]["annotations"].pop("runbook_url"))
            ),
            True,
            where="rules",
            text="HighErrorRate: set annotations.runbook_url",
        ),
        Case(
            "unknown severity",
            lambda: changed(
                set_in("rules", lambda r: r["spec"]["groups"][0]["rules"][0]["labels"].__setitem__("severity", "page"))
            ),
            True,
            where="rules",
            text="labels.severity",
        ),
        Case(
            "chart rules checked too",
            lambda: changed(
                lambda s: (
                    s["prometheus"]
                    .inputs["values"]
                    .__setitem__(
                        "additionalPrometheusRulesMap",
                        {"x": {"groups": [{"name": "x", "rules": [{"alert": "Bare", "expr": "1"}]}]}},
                    )
                )
            ),
            True,
            where="prometheus",
            text="Bare",
        ),
    ],
}


def pod_of_cron(specs: dict[str, Spec]) -> dict[str, Any]:
    pod: dict[str, Any] = specs["x"].inputs["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return pod


def pod_monitor() -> Spec:
    return Spec(
        "PodMonitor",
        {
            "apiVersion": "monitoring.coreos.com/v1",
            "kind": "PodMonitor",
            "metadata": meta("web-pods"),
            "spec": {
                "selector": {"matchLabels": {"app.kubernetes.io/name": "web"}},
                "podMetricsEndpoints": [{"port": "http"}],
            },
        },
    )


ALL_CASES = [pytest.param(policy, case, id=f"{policy}: {case.id}") for policy, cases in CASES.items() for case in cases]


@pytest.mark.parametrize(("policy", "case"), ALL_CASES)
def test_policy_case(evaluator: Evaluator, policy: str, case: Case) -> None:
    specs = case.build()
    violations, _, _ = evaluator.run(case.env, specs)
    found = [v for v in violations if v.policy == policy]
    if not case.fires:
        assert not found, [v.message for v in found]
        return
    assert found, f"{policy} did not fire; got {[(v.policy, v.message) for v in violations]}"
    if case.where is not None:
        expected = urn(specs[case.where], case.where, specs) if case.where else ""
        assert expected in {v.urn for v in found}, [(v.urn, v.message) for v in found]
    assert any(case.text in v.message for v in found), [v.message for v in found]


@pytest.mark.parametrize("env", ["dev", "staging", "prod", NO_REMEDIATION])
def test_compliant_stack_has_no_findings_in_any_environment(evaluator: Evaluator, env: str) -> None:
    violations, remediations, _ = evaluator.run(env, compliant())
    assert [(v.policy, v.message) for v in violations] == []
    assert remediations == []


def test_registry_every_policy_has_metadata_and_both_kinds_of_case(evaluator: Evaluator) -> None:
    info = evaluator.pack.info
    names = [p.name for p in info.policies]
    assert len(names) == len(set(names))
    for p in info.policies:
        assert p.name.replace("-", "").isalnum() and p.name == p.name.lower(), p.name
        assert p.description.startswith("Checks that "), p.name
        assert p.severity != 0, f"{p.name}: no severity"
        assert len(p.remediation_steps) > 20, p.name
        assert p.url.endswith(f"policies/README.md#{p.name}"), p.name
        cases = CASES.get(p.name, [])
        assert any(c.fires for c in cases), f"{p.name}: no violating case"
    # The compliant stack passes every policy (test above); some policies add their own passing variants.
    assert set(CASES) == set(names)


def test_policy_docs_have_a_section_per_policy(evaluator: Evaluator) -> None:
    readme = (POLICIES / "README.md").read_text()
    for p in evaluator.pack.info.policies:
        assert f"\n### {p.name}\n" in readme, p.name


def test_chart_rendered_objects_are_the_vendors(evaluator: Evaluator) -> None:
    from tests.policies.test_protocol import chart_child_deployment

    violations, _, _ = evaluator.run("prod", changed(chart_child_deployment))
    assert violations == []


def test_remediation_adds_managed_by_and_keeps_other_labels(evaluator: Evaluator) -> None:
    specs = changed(set_in("active", lambda s: s["metadata"]["labels"].pop("app.kubernetes.io/managed-by")))
    violations, remediations, stack = evaluator.run("prod", specs)
    assert [(r.policy, r.urn) for r in remediations] == [("managed-by-label", urn(specs["active"], "active", specs))]
    service = next(r for r in stack if r.name == "active")
    assert service.inputs["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "pulumi"
    assert service.inputs["metadata"]["labels"]["team"] == "payments"
    assert service.inputs["spec"]["selector"]["greenlight.dev/color"] == "blue"
    assert violations == []


def test_environment_config_drives_levels(evaluator: Evaluator) -> None:
    dev = evaluator.configure(CONFIG / "dev.json")
    prod = evaluator.configure(CONFIG / "prod.json")
    assert set(dev.values()) == {"advisory", "remediate"}
    assert prod["managed-by-label"] == "remediate"
    assert {level for name, level in prod.items() if name != "managed-by-label"} == {"mandatory"}


def test_each_config_names_its_environment_for_every_environment_aware_policy(evaluator: Evaluator) -> None:
    aware = {p.name for p in evaluator.pack.info.policies if "environment" in p.configSchema.properties}
    assert {"image-pinned", "min-replicas", "backups-scheduled", "critical-alerts-routed"} <= aware
    for env in ("dev", "staging", "prod"):
        config = json.loads((CONFIG / f"{env}.json").read_text())
        assert {
            name for name, value in config.items() if isinstance(value, dict) and value.get("environment") == env
        } == aware, env


@pytest.mark.parametrize(
    ("config", "error"),
    [
        ({"all": "mandatory", "min-replica": "advisory"}, "unknown policies min-replica"),
        ({"min-replicas": {"minReplica": 3}}, "Additional properties are not allowed"),
        ({"image-pinned": {"environment": "production"}}, "'production' is not one of"),
        ({"no-host-namespaces": {"environment": "prod"}}, "takes no properties"),
        ({"all": "strict"}, "level 'strict'"),
    ],
)
def test_config_typos_are_rejected(evaluator: Evaluator, tmp_path: Path, config: dict[str, Any], error: str) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps(config))
    with pytest.raises(UsageError, match=error):
        evaluator.configure(path)
