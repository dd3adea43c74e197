"""greenlight's CrossGuard rules: plain functions over resource props, one policy per rule.

Importing this package starts nothing; `build_pack()` (called by policies/__main__.py) serves the pack.
"""

from __future__ import annotations

from pulumi_policy import EnforcementLevel, Policy

from greenlight_policies import (
    budgets,
    charts,
    configmaps,
    durability,
    host,
    identity,
    metadata,
    namespaces,
    observability,
    reliability,
    remediation,
    server,
    services,
    workloads,
)

PACK_NAME = "greenlight-readiness"
# Per-policy levels and properties come from policies/config/<env>.json; unconfigured, a finding is advisory.
DEFAULT_LEVEL = EnforcementLevel.ADVISORY


def all_policies() -> list[Policy]:
    return [
        *workloads.POLICIES,
        *host.POLICIES,
        *configmaps.POLICIES,
        *identity.POLICIES,
        *namespaces.POLICIES,
        *metadata.POLICIES,
        *remediation.POLICIES,
        *services.POLICIES,
        *durability.POLICIES,
        *reliability.POLICIES,
        *budgets.POLICIES,
        *observability.POLICIES,
        *charts.POLICIES,
    ]


def build_pack() -> None:
    """Serves the pack (as pulumi_policy.PolicyPack would, with one decoding per request: see server.py)."""
    server.serve(PACK_NAME, all_policies(), DEFAULT_LEVEL)
