"""What a workload's identity may do: no cluster-admin, no wildcard grants, no token it does not use.

A pod's ServiceAccount token is mounted unless the pod or its ServiceAccount sets
automountServiceAccountToken: false; whoever takes over the pod holds whatever RBAC grants that account.
Grants are found as the RBAC authorizer finds them (kubernetes pkg/registry/rbac/validation/rule.go,
`appliesToUser`): a ServiceAccount subject (its namespace defaulting to the binding's), the account's
username `system:serviceaccount:<ns>:<name>`, or a group every account belongs to.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_policy import Severity, StackValidationArgs

from greenlight_policies.kube import Workload
from greenlight_policies.registry import Finding, Meta, stack_policy
from greenlight_policies.stackview import Obj, Stack

BINDING_KINDS = ("RoleBinding", "ClusterRoleBinding")
CLUSTER_ADMIN = "cluster-admin"  # the built-in superuser ClusterRole: every verb on every resource
WILDCARD = "*"
SERVICE_ACCOUNT_USER_PREFIX = "system:serviceaccount:"
ALL_SERVICE_ACCOUNTS_GROUP = "system:serviceaccounts"  # plus system:serviceaccounts:<namespace>
AUTHENTICATED_GROUP = "system:authenticated"  # every account with a token, service accounts included


@dataclass(frozen=True)
class Grant:
    """One binding's grant to one service account (or to every account of a group)."""

    binding: Obj
    role_kind: str
    role_name: str
    grantee: str  # "ServiceAccount shop/web", "Group system:serviceaccounts:shop", ...

    def role(self, stack: Stack) -> Obj | None:
        """The Role (in the binding's namespace) or ClusterRole the stack registers under that name."""
        for o in stack.kind(self.role_kind):
            if o.name == self.role_name and (self.role_kind == "ClusterRole" or o.namespace == self.binding.namespace):
                return o
        return None


def _grantee(subject: Mapping[str, Any], binding: Obj) -> str | None:
    """Who among service accounts a subject names, or None when it names no service account."""
    kind, name = subject.get("kind"), str(subject.get("name") or "")
    if kind == "ServiceAccount":
        namespace = subject.get("namespace") or (binding.namespace if binding.kind == "RoleBinding" else "")
        return f"ServiceAccount {namespace}/{name}"
    if kind == "User" and name.startswith(SERVICE_ACCOUNT_USER_PREFIX):
        return f"ServiceAccount {name.removeprefix(SERVICE_ACCOUNT_USER_PREFIX).replace(':', '/', 1)}"
    every_account = name == ALL_SERVICE_ACCOUNTS_GROUP or name.startswith(f"{ALL_SERVICE_ACCOUNTS_GROUP}:")
    if kind == "Group" and (name == AUTHENTICATED_GROUP or every_account):
        return f"Group {name}"
    return None


def service_account_grants(stack: Stack) -> list[Grant]:
    def build() -> list[Grant]:
        grants = []
        for binding in stack.kind(*BINDING_KINDS):
            ref = binding.props.get("roleRef") or {}
            for subject in binding.props.get("subjects") or []:
                grantee = _grantee(subject, binding) if isinstance(subject, dict) else None
                if grantee:
                    grants.append(Grant(binding, str(ref.get("kind") or ""), str(ref.get("name") or ""), grantee))
        return grants

    return stack.memo("service-account-grants", build)


def _grants_to(grant: Grant, namespace: str, account: str) -> bool:
    target = grant.grantee.split(" ", 1)[1]
    if grant.grantee.startswith("ServiceAccount "):
        return target == f"{namespace}/{account}"
    return target in (AUTHENTICATED_GROUP, ALL_SERVICE_ACCOUNTS_GROUP, f"{ALL_SERVICE_ACCOUNTS_GROUP}:{namespace}")


def _where(grant: Grant) -> str:
    return f"{grant.binding.kind} {grant.binding.name} grants {grant.role_kind} {grant.role_name} to {grant.grantee}"


def cluster_admin_grants(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    for grant in service_account_grants(Stack.of(args)):
        if grant.role_kind == "ClusterRole" and grant.role_name == CLUSTER_ADMIN:
            yield (
                f"{_where(grant)}: whoever takes over a pod running as it owns the cluster; bind a Role "
                "that lists only the verbs and resources the workload uses.",
                grant.binding.urn,
            )


def _wildcards(role: Obj) -> list[str]:
    found = []
    for number, rule in enumerate(role.props.get("rules") or [], start=1):
        for field in ("verbs", "resources"):
            if isinstance(rule, dict) and WILDCARD in (rule.get(field) or []):
                found.append(f"rule {number} allows {field} {WILDCARD}")
    return found


def wildcard_grants(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    for grant in service_account_grants(stack):
        role = grant.role(stack)
        wildcards = _wildcards(role) if role else []
        if wildcards:
            yield (
                f"{_where(grant)}, whose {'; '.join(wildcards)}: list the verbs and resources the workload "
                "uses instead (a wildcard also grants what future API versions add).",
                grant.binding.urn,
            )


def _token_mounted(stack: Stack, w: Workload) -> bool | None:
    """Whether the pod gets a token: its own setting, else its ServiceAccount's, else the default (yes).

    None when a setting is not known until the update: judged once it is."""
    own = w.pod_spec.get("automountServiceAccountToken")
    if own is not None:
        return own if isinstance(own, bool) else None
    for account in stack.kind("ServiceAccount"):
        if account.namespace == w.namespace and account.name == w.service_account:
            setting = account.props.get("automountServiceAccountToken")
            return True if setting is None else (setting if isinstance(setting, bool) else None)
    return True


def unneeded_tokens(args: StackValidationArgs, _: Mapping[str, Any]) -> Iterator[Finding]:
    stack = Stack.of(args)
    grants = service_account_grants(stack)
    for o in stack.objects:
        w = o.workload
        if w is None or not _token_mounted(stack, w):
            continue
        if any(_grants_to(g, w.namespace, w.service_account) for g in grants):
            continue  # it holds RBAC here, so it presumably calls the API
        yield (
            f"{w.kind} {w.name}: its pods mount a token for ServiceAccount {w.service_account}, which no "
            "binding in the stack grants anything; set automountServiceAccountToken: false on the pod spec "
            "(or on the ServiceAccount).",
            o.urn,
        )


POLICIES = [
    stack_policy(
        Meta(
            "no-cluster-admin-binding",
            "Checks that no RoleBinding or ClusterRoleBinding grants cluster-admin to a service account.",
            Severity.CRITICAL,
            "Bind a Role (namespaced) listing only the API groups, resources and verbs the workload calls; "
            "never bind cluster-admin to a ServiceAccount, a system:serviceaccount:* user or a group of them.",
        ),
        cluster_admin_grants,
    ),
    stack_policy(
        Meta(
            "no-wildcard-rbac",
            "Checks that no Role or ClusterRole granted to a service account allows every verb or every resource.",
            Severity.HIGH,
            "Replace verbs: ['*'] and resources: ['*'] with the verbs (get, list, watch, ...) and resources the "
            "workload uses, in a Role scoped to its namespace where it can be.",
        ),
        wildcard_grants,
    ),
    stack_policy(
        Meta(
            "no-unneeded-service-account-token",
            "Checks that pods mount a service account token only when RBAC in the stack grants that account something.",
            Severity.MEDIUM,
            "Set automountServiceAccountToken: false on the pod spec or its ServiceAccount (greenlight's "
            "components do); a workload that calls the API keeps its token and gets a Role and RoleBinding in "
            "the stack.",
        ),
        unneeded_tokens,
    ),
]
