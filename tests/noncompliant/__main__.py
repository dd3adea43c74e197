"""A stack that is unfit for production in every way greenlight checks (raw Kubernetes resources).

`python -m offline preview --stack dev --cwd tests/noncompliant --policy-pack policies
 --policy-pack-config policies/config/prod.json` must exit 1 with a finding from every policy.
"""

import pulumi
import pulumi_kubernetes as k8s

NAMESPACE = "orders"
labels = {"app": "orders"}  # no recommended labels, no team / cost-center, no managed-by

database = k8s.apiextensions.CustomResource(
    "orders-db",
    api_version="postgresql.cnpg.io/v1",
    kind="Cluster",
    metadata={"name": "orders-db", "namespace": NAMESPACE, "labels": labels},
    spec={"instances": 1, "storage": {"size": "1Gi"}},  # no backup, no ScheduledBackup, not protected
)

deployment = k8s.apps.v1.Deployment(
    "orders",
    metadata={"name": "orders", "namespace": NAMESPACE, "labels": labels},
    spec={
        "replicas": 1,  # no HPA, no PDB, default RollingUpdate (maxUnavailable 25%), no blue-green pair
        "selector": {"matchLabels": labels},
        "template": {
            "metadata": {"labels": labels},
            "spec": {
                "hostNetwork": True,
                "volumes": [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}],
                "containers": [
                    {
                        "name": "orders",
                        "image": "acme/orders:latest",
                        "ports": [{"containerPort": 8080}],
                        "securityContext": {"privileged": True, "runAsUser": 0},
                        "env": [
                            {"name": "DB_PASSWORD", "value": "hunter2"},
                            {"name": "DATABASE_HOST", "value": "orders-db-rw"},
                        ],
                        # no resources, no probes, no capability drop, no seccomp profile
                    }
                ],
            },
        },
    },
    opts=pulumi.ResourceOptions(depends_on=[database]),  # but no migration Job
)

k8s.core.v1.Service(
    "orders-public",
    metadata={"name": "orders", "namespace": NAMESPACE, "labels": labels},
    spec={"type": "LoadBalancer", "selector": labels, "ports": [{"port": 80, "targetPort": 8080}]},
)

# An alert about something else, with neither severity nor runbook; no Alertmanager config, no Loki or Alloy.
k8s.apiextensions.CustomResource(
    "orders-rules",
    api_version="monitoring.coreos.com/v1",
    kind="PrometheusRule",
    metadata={"name": "orders", "namespace": NAMESPACE, "labels": labels},
    spec={"groups": [{"name": "misc", "rules": [{"alert": "SomethingDown", "expr": 'up{job="other"} == 0'}]}]},
)
