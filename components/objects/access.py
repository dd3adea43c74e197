"""How a person reaches what a stack runs once `pulumi up` is done: stack outputs, pure strings.

Nothing in the monitoring namespace is exposed outside the cluster; `kubectl port-forward` reaches it
through the API server, with the same kubeconfig context the stack deploys to.
"""

from __future__ import annotations

import shlex

from components.contract import (
    ALERTMANAGER_PORT,
    ALERTMANAGER_SERVICE,
    GRAFANA_PORT,
    GRAFANA_SERVICE,
    PROMETHEUS_PORT,
    PROMETHEUS_SERVICE,
)
from components.rules.mixin import dashboard_uids
from components.settings import AppSpec

# Local ports of the port-forwards: Grafana's own default (3000), the others as in the cluster.
GRAFANA_LOCAL_PORT = 3000
LOCAL_GRAFANA = f"http://localhost:{GRAFANA_LOCAL_PORT}"
_TOOLS = {
    "grafana": (GRAFANA_SERVICE, GRAFANA_LOCAL_PORT, GRAFANA_PORT),
    "prometheus": (PROMETHEUS_SERVICE, PROMETHEUS_PORT, PROMETHEUS_PORT),
    "alertmanager": (ALERTMANAGER_SERVICE, ALERTMANAGER_PORT, ALERTMANAGER_PORT),
}


def port_forward_commands(context: str, monitoring_namespace: str) -> dict[str, str]:
    """Tool -> the kubectl command that serves it on localhost (the `portForward` output)."""
    context_flag = ["--context", context] if context else []
    return {
        tool: shlex.join(
            [
                "kubectl",
                *context_flag,
                "-n",
                monitoring_namespace,
                "port-forward",
                f"svc/{service}",
                f"{local}:{remote}",
            ]
        )
        for tool, (service, local, remote) in _TOOLS.items()
    }


def dashboard_urls(spec: AppSpec) -> list[str]:
    """Grafana URLs of the app's dashboards (the `dashboards` output), at `alerting.grafanaUrl`: by
    default LOCAL_GRAFANA, the Grafana port-forward; the alerts' panel links use the same address."""
    return [f"{spec.alerting.grafana_url}/d/{uid}" for uid in dashboard_uids(spec)]
