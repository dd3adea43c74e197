"""The cluster a stack deploys to: one explicit Kubernetes provider, its context a setting.

Every Kubernetes object of the stack goes through this provider (ComponentResources pass it to their
children through `providers`), so nothing falls back to whatever kubeconfig context is current. A prod
stack must name its context (components/settings/rules.py); dev and staging may leave it empty and
are warned that the current context is used.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components.settings import Settings

PROVIDER_NAME = "cluster"


def cluster_provider(settings: Settings) -> k8s.Provider:
    context = settings.cluster.context
    if not context:
        pulumi.log.warn(
            "greenlight:cluster.context is empty: deploying to the current context of your kubeconfig; "
            "name it with `pulumi config set --path greenlight:cluster.context <context>`"
        )
    return k8s.Provider(PROVIDER_NAME, context=context or None)
