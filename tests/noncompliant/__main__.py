"""A stack that is unfit for production in every way greenlight checks (raw Kubernetes resources).

`python -m offline preview --stack dev --cwd tests/noncompliant --policy-pack policies
 --policy-pack-config policies/config/prod.json` must exit 1 with a finding from every policy.

The objects added for the access, host, exposure and budget policies carry complete labels and a
namespace, so each breaks only the rule it is here for (tests/policies/test_corpus.py holds one
program per mistake).
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
                "volumes": [
                    {"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}},
                    {"name": "uploads", "persistentVolumeClaim": {"claimName": "orders-uploads"}},  # a hostPath PV
                ],
                "containers": [
                    {
                        "name": "orders",
                        "image": "acme/orders:latest",
                        "ports": [{"containerPort": 8080, "hostPort": 8080}],
                        "securityContext": {"privileged": True, "runAsUser": 0},
                        "env": [
                            {"name": "DB_PASSWORD", "value": "hunter2"},
                            {"name": "DATABASE_HOST", "value": "orders-db-rw"},
                        ],
                        "envFrom": [{"configMapRef": {"name": "orders-config"}}],  # a credential in a ConfigMap
                        "volumeMounts": [{"name": "uploads", "mountPath": "/uploads"}],
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
    spec={
        "type": "LoadBalancer",
        "selector": labels,
        "ports": [{"port": 80, "targetPort": 8080}],
        "externalIPs": ["203.0.113.10"],
    },
)

# An alert about something else, with neither severity nor runbook; no Alertmanager config, no Loki or Alloy.
k8s.apiextensions.CustomResource(
    "orders-rules",
    api_version="monitoring.coreos.com/v1",
    kind="PrometheusRule",
    metadata={"name": "orders", "namespace": NAMESPACE, "labels": labels},
    spec={"groups": [{"name": "misc", "rules": [{"alert": "SomethingDown", "expr": 'up{job="other"} == 0'}]}]},
)

# -- objects that break one rule each --------------------------------------------------------------------

full_labels = {
    "app.kubernetes.io/name": "orders",
    "app.kubernetes.io/instance": "orders-prod",
    "app.kubernetes.io/version": "1.0.0",
    "app.kubernetes.io/component": "server",
    "app.kubernetes.io/part-of": "shop",
    "app.kubernetes.io/managed-by": "pulumi",
    "team": "orders",
    "cost-center": "cc-7",
}


def meta(name: str, namespace: str | None = NAMESPACE) -> dict:  # type: ignore[type-arg]
    return {"name": name, "labels": full_labels, **({"namespace": namespace} if namespace else {})}


k8s.core.v1.ConfigMap("orders-config", metadata=meta("orders-config"), data={"STRIPE_API_KEY": "sk_live_4eC39HqLyj"})

k8s.core.v1.PersistentVolume(
    "orders-uploads",
    metadata=meta("orders-uploads", None),
    spec={
        "capacity": {"storage": "1Gi"},
        "accessModes": ["ReadWriteOnce"],
        "hostPath": {"path": "/srv/orders"},
        "claimRef": {"namespace": NAMESPACE, "name": "orders-uploads"},
    },
)
k8s.core.v1.PersistentVolumeClaim(
    "orders-uploads",
    metadata=meta("orders-uploads"),
    spec={"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}},
    opts=pulumi.ResourceOptions(protect=True),
)

k8s.core.v1.ServiceAccount("orders-admin", metadata=meta("orders-admin"), automount_service_account_token=False)
k8s.rbac.v1.RoleBinding(
    "orders-admin",
    metadata=meta("orders-admin"),
    role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
    subjects=[{"kind": "ServiceAccount", "name": "orders-admin", "namespace": NAMESPACE}],
)
k8s.rbac.v1.Role(
    "orders-anything",
    metadata=meta("orders-anything"),
    rules=[{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["*"]}],
)
k8s.rbac.v1.RoleBinding(
    "orders-anything",
    metadata=meta("orders-anything"),
    role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "orders-anything"},
    subjects=[{"kind": "ServiceAccount", "name": "orders-admin"}],
)

k8s.networking.v1.Ingress(
    "orders",
    metadata=meta("orders"),
    spec={
        "rules": [
            {
                "host": "orders.example.com",
                "http": {
                    "paths": [
                        {
                            "path": "/",
                            "pathType": "Prefix",
                            "backend": {"service": {"name": "orders", "port": {"number": 80}}},
                        }
                    ]
                },
            }
        ]
    },  # no tls
)

# A NodePort Service registered through YAML, with no namespace: the ConfigGroup puts it in default.
k8s.yaml.v2.ConfigGroup(
    "orders-extras",
    objs=[
        {
            "apiVersion": "v1",
            "kind": "Service",
            "metadata": meta("orders-node", None),
            "spec": {"type": "NodePort", "selector": labels, "ports": [{"port": 80, "targetPort": 8080}]},
        }
    ],
)

# A well-built debug Pod, selected by two budgets (the eviction API refuses it), one of which allows nothing.
debug_labels = {**full_labels, "app.kubernetes.io/component": "debug"}
k8s.core.v1.Pod(
    "orders-debug",
    metadata={"name": "orders-debug", "namespace": NAMESPACE, "labels": debug_labels},
    spec={
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": 10001,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [
            {
                "name": "toolbox",
                "image": "ghcr.io/acme/toolbox:1.0.0@sha256:" + "b" * 64,
                "resources": {
                    "requests": {"cpu": "10m", "memory": "32Mi"},
                    "limits": {"cpu": "100m", "memory": "64Mi"},
                },
                "securityContext": {
                    "readOnlyRootFilesystem": True,
                    "allowPrivilegeEscalation": False,
                    "capabilities": {"drop": ["ALL"]},
                },
                "livenessProbe": {"exec": {"command": ["true"]}},
                "readinessProbe": {"exec": {"command": ["true"]}},
            }
        ],
    },
)
for budget, limits in (("orders-debug", {"maxUnavailable": 0}), ("orders-debug-too", {"maxUnavailable": 1})):
    k8s.policy.v1.PodDisruptionBudget(
        budget,
        metadata=meta(budget),
        spec={"selector": {"matchLabels": {"app.kubernetes.io/component": "debug"}}, **limits},
    )
