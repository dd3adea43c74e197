"""Objects that survive a change of `release.strategy` keep their Pulumi identity.

A rolling app lives under `AppDeployment "<prefix>app"`, a blue-green or canary one under
`BlueGreenRelease "<prefix>release"`. Some Kubernetes objects exist under both with the same name (the
ServiceAccount, NetworkPolicy, ServiceMonitor, Ingress and the Service `<app>`, which is the rolling
Service and the blue-green active Service). Without an alias the engine would plan a create under the
new URN (pulumi-kubernetes refuses to create an object that exists; with `upsertExistingObjects` it
adopts it) and a delete of the old URN at the end of the update, which removes the live object.
Each such child therefore names its counterpart under the other component as an alias.
Between blue-green and canary the component stays the same; nothing moves.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

APP_DEPLOYMENT_TYPE = "greenlight:index:AppDeployment"
RELEASE_TYPE = "greenlight:index:BlueGreenRelease"

# Role of a surviving object under AppDeployment -> its role under BlueGreenRelease (children are
# named `<component>-<role>`).
ROLLING_TO_RELEASE = {
    "serviceaccount": "serviceaccount",
    "networkpolicy": "networkpolicy",
    "servicemonitor": "servicemonitor",
    "service": "active-service",
    "ingress": "ingress",
}
RELEASE_TO_ROLLING = {release: rolling for rolling, release in ROLLING_TO_RELEASE.items()}


@dataclass(frozen=True)
class Counterpart:
    """The component that holds the app's objects under the other strategy."""

    name: str
    type: str

    def alias(self, role: str) -> list[pulumi.Alias]:
        """The alias of the counterpart's child `<name>-<role>` (a child of the stack's root component)."""
        return [pulumi.Alias(name=f"{self.name}-{role}", parent=pulumi.create_urn(self.name, self.type))]


def rolling_counterpart(prefix: str) -> Counterpart:
    return Counterpart(f"{prefix}app", APP_DEPLOYMENT_TYPE)


def release_counterpart(prefix: str) -> Counterpart:
    return Counterpart(f"{prefix}release", RELEASE_TYPE)
