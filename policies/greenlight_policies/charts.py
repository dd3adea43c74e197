"""Chart objects are judged like greenlight's own; this policy prints the exceptions that applied (exceptions.py)."""

from __future__ import annotations

from pulumi_policy import Severity

from greenlight_policies import exceptions
from greenlight_policies.registry import Meta, stack_policy

POLICIES = [
    stack_policy(
        Meta(
            "chart-exceptions",
            "Checks that every chart object excepted from a policy is named in the exceptions table, printing each "
            "exception that applied and flagging stale entries.",
            Severity.LOW,
            "Nothing to fix for an applied exception (it is printed so reviewers see it); remove a stale entry "
            "from policies/greenlight_policies/exceptions.py.",
        ),
        exceptions.applied,
    ),
]
