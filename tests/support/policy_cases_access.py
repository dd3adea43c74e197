"""Pass and fail cases of the access policies: RBAC, service-account tokens, namespaces, ConfigMap credentials."""

from __future__ import annotations

from tests.support.policy_edits import UNKNOWN, Case, add, set_in
from tests.support.policy_edits_access import (
    account,
    binding,
    config_map,
    env_from,
    env_from_key,
    role,
    runs_as,
    service_account,
)
from tests.support.policy_fixtures import Spec, changed, labels

ACCESS_CASES: dict[str, list[Case]] = {
    "no-cluster-admin-binding": [
        Case(
            "a RoleBinding grants cluster-admin to the app's ServiceAccount",
            lambda: changed(binding("RoleBinding", "ClusterRole", "cluster-admin", account())),
            True,
            where="binding",
            text="grants ClusterRole cluster-admin to ServiceAccount shop/web",
        ),
        Case(
            "a ClusterRoleBinding grants it to every ServiceAccount of the namespace",
            lambda: changed(
                binding(
                    "ClusterRoleBinding",
                    "ClusterRole",
                    "cluster-admin",
                    {"kind": "Group", "name": "system:serviceaccounts:shop"},
                )
            ),
            True,
            where="binding",
            text="Group system:serviceaccounts:shop",
        ),
        Case(
            "the ServiceAccount named by its username",
            lambda: changed(
                binding(
                    "RoleBinding",
                    "ClusterRole",
                    "cluster-admin",
                    {"kind": "User", "name": "system:serviceaccount:shop:web"},
                )
            ),
            True,
            where="binding",
            text="ServiceAccount shop/web",
        ),
        Case(
            "a subject without namespace in a RoleBinding is the binding's namespace",
            lambda: changed(
                binding("RoleBinding", "ClusterRole", "cluster-admin", {"kind": "ServiceAccount", "name": "web"})
            ),
            True,
            where="binding",
            text="ServiceAccount shop/web",
        ),
        Case(
            "cluster-admin for a group of people is not a workload's",
            lambda: changed(
                binding("ClusterRoleBinding", "ClusterRole", "cluster-admin", {"kind": "Group", "name": "sre"})
            ),
            False,
        ),
        Case(
            "the built-in view role",
            lambda: changed(binding("RoleBinding", "ClusterRole", "view", account())),
            False,
        ),
    ],
    "no-wildcard-rbac": [
        Case(
            "a Role allowing every verb",
            lambda: changed(
                role("Role", ["*"], ["configmaps"]), binding("RoleBinding", "Role", "web-reader", account())
            ),
            True,
            where="binding",
            text="rule 1 allows verbs *",
        ),
        Case(
            "a ClusterRole on every resource",
            lambda: changed(
                role("ClusterRole", ["get"], ["*"]),
                binding("ClusterRoleBinding", "ClusterRole", "web-reader", account()),
            ),
            True,
            where="binding",
            text="rule 1 allows resources *",
        ),
        Case(
            "a wildcard Role bound to nobody grants nothing",
            lambda: changed(role("Role", ["*"], ["*"])),
            False,
        ),
        Case(
            "a Role of the same name in another namespace is not the one bound",
            lambda: changed(
                role("Role", ["*"], ["*"]),
                set_in("role", lambda r: r["metadata"].__setitem__("namespace", "other")),
                binding("RoleBinding", "Role", "web-reader", account()),
            ),
            False,
        ),
    ],
    "no-unneeded-service-account-token": [
        Case(
            "the pod mounts its token and has no RBAC",
            lambda: changed(runs_as("web", automount=True)),
            True,
            where="blue",
            text="mount a token for ServiceAccount web",
        ),
        Case(
            "the pod leaves it to a ServiceAccount that does not opt out",
            lambda: changed(service_account(None), runs_as("web")),
            True,
            where="green",
            text="set automountServiceAccountToken: false",
        ),
        Case(
            "the pod runs as the namespace's default ServiceAccount",
            lambda: changed(runs_as("default")),
            True,
            where="blue",
            text="ServiceAccount default",
        ),
        Case("the ServiceAccount opts out", lambda: changed(service_account(False), runs_as("web")), False),
        Case(
            "the pod calls the API with a Role bound to its account",
            lambda: changed(
                runs_as("web", automount=True),
                role("Role", ["get", "list"], ["configmaps"]),
                binding("RoleBinding", "Role", "web-reader", account()),
            ),
            False,
        ),
        Case(
            "a setting computed during the update is judged later",
            lambda: changed(runs_as("web", automount=UNKNOWN)),
            False,
        ),
    ],
    "no-default-namespace": [
        Case(
            "a Service in default",
            lambda: changed(set_in("active", lambda s: s["metadata"].__setitem__("namespace", "default"))),
            True,
            where="active",
            text="Service web is in the default namespace",
        ),
        Case(
            "a ConfigMap that names no namespace",
            lambda: changed(
                config_map({"LOG_LEVEL": "info"}), set_in("config", lambda c: c["metadata"].pop("namespace"))
            ),
            True,
            where="config",
            text="names no namespace, so it lands in default",
        ),
        Case(
            "cluster-scoped objects have none",
            lambda: changed(
                add("role", Spec("ClusterRole", {"metadata": {"name": "reader", "labels": labels()}, "rules": []}))
            ),
            False,
        ),
    ],
    "no-config-map-credentials": [
        Case(
            "envFrom a ConfigMap holding DB_PASSWORD",
            lambda: changed(config_map({"LOG_LEVEL": "info", "DB_PASSWORD": "hunter2"}), env_from()),
            True,
            where="blue",
            text="envFrom ConfigMap web-config puts DB_PASSWORD in the environment",
        ),
        Case(
            "a prefix makes KEY an API_KEY",
            lambda: changed(config_map({"KEY": "sk_live_abc"}), env_from(prefix="API_")),
            True,
            where="blue",
            text="API_KEY",
        ),
        Case(
            "a URL with a password, whatever its name",
            lambda: changed(config_map({"UPSTREAM": "https://app:hunter2@api.example.com"}), env_from()),
            True,
            where="blue",
            text="UPSTREAM",
        ),
        Case(
            "one key through configMapKeyRef",
            lambda: changed(config_map({"stripe": "sk_live_abc"}), env_from_key("STRIPE_API_KEY", "stripe")),
            True,
            where="blue",
            text="env STRIPE_API_KEY from ConfigMap web-config key stripe",
        ),
        Case(
            "settings that merely mention tokens and keys",
            lambda: changed(config_map({"TOKEN_TTL": "3600", "CACHE_KEY": "v2", "LOG_LEVEL": "info"}), env_from()),
            False,
        ),
        Case(
            "a ConfigMap of the same name in another namespace is not the one read",
            lambda: changed(config_map({"DB_PASSWORD": "hunter2"}, namespace="other"), env_from()),
            False,
        ),
        Case(
            "a credential in a ConfigMap no container reads as env",
            lambda: changed(config_map({"DB_PASSWORD": "hunter2"})),
            False,
        ),
    ],
}
