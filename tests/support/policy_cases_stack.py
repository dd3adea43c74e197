"""Pass and fail cases of the stack policies (labels, services, durability, reliability, observability)."""

from __future__ import annotations

from tests.support.policy_edits import (
    NO_REMEDIATION,
    WRONG_ROUTE,
    Case,
    add,
    alertmanager,
    as_kind,
    drop,
    node_exporter,
    pod_monitor,
    public_lb,
    rolling,
    set_in,
    statefulset,
)
from tests.support.policy_edits_access import budget
from tests.support.policy_fixtures import (
    ALERTMANAGER_YAML,
    changed,
)

STACK_CASES: dict[str, list[Case]] = {
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
    "chart-exceptions": [
        Case(
            "an excepted finding is printed",
            lambda: changed(node_exporter()),
            True,
            where="node-exporter",
            text="no-host-namespaces excepted for prometheus-node-exporter DaemonSet/kube-prometheus-stack",
        ),
        Case(
            "a stale entry is flagged",
            lambda: changed(node_exporter(name="renamed-node-exporter")),
            True,
            where="",
            text="stale exception: no-host-namespaces on prometheus-node-exporter DaemonSet/kube-prometheus-stack",
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
            "minAvailable below replicas",
            lambda: changed(
                set_in("pdb", lambda p: (p["spec"].pop("maxUnavailable"), p["spec"].__setitem__("minAvailable", 1)))
            ),
            False,
        ),
        Case(
            "a namespace-wide budget (empty selector) covers it",
            lambda: changed(drop("pdb"), budget("pdb-all", {}, maxUnavailable=1)),
            False,
        ),
        Case(
            "a budget without a selector covers nothing",
            lambda: changed(set_in("pdb", lambda p: p["spec"].pop("selector"))),
            True,
            where="blue",
            text="add a PodDisruptionBudget",
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
        Case(
            "the app's pods run from a bare ReplicaSet",
            lambda: changed(add("x", as_kind("ReplicaSet"))),
            True,
            where="x",
            text="a bare ReplicaSet has no rolling update",
        ),
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
