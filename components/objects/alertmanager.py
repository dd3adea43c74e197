"""Alertmanager config from typed settings: who gets paged for what.

Routes by severity: critical -> PagerDuty (paging), warning -> Slack (chat), the always-firing
Watchdog -> a dead-man's-switch webhook, info -> nowhere. A critical alert inhibits the warning of the
same alertname in the same namespace.

Secrets: the receivers' keys and URLs are Pulumi secrets. ``build_config`` is pure and takes their
values as a plain mapping (tests pass test values); the MonitoringStack calls it inside an
``Output.apply`` over the secrets, so the YAML is itself a secret and lands only in a Kubernetes
Secret that Alertmanager reads via ``alertmanagerSpec.configSecret``. The chart's own
``alertmanager.config`` value is not used: Helm values sit in plain sight in the Chart's inputs
(state, preview diffs, the policy pack), so they must carry no keys.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from components.settings import Settings

NULL_RECEIVER = "null"
PAGER_RECEIVER = "pagerduty"
CHAT_RECEIVER = "slack"
DEAD_MANS_SWITCH_RECEIVER = "dead-mans-switch"

# Keys of the secret mapping build_config reads; MonitoringStack fills them from settings.
PAGERDUTY_KEY = "pagerduty_routing_key"
SLACK_URL = "slack_webhook_url"
DEAD_MANS_SWITCH_URL = "dead_mans_switch_url"

# Grouping and timing: Alertmanager's documented defaults for group_wait/group_interval, a 4h repeat
# (kube-prometheus-stack's default) so an unresolved page is re-sent a few times per shift.
GROUP_BY = ("alertname", "namespace", "job")
GROUP_WAIT = "30s"
GROUP_INTERVAL = "5m"
REPEAT_INTERVAL = "4h"
# The dead-man's switch expects a heartbeat at least this often.
HEARTBEAT_INTERVAL = "1m"
INHIBIT_EQUAL = ("alertname", "namespace")


def secret_values_needed(settings: Settings) -> dict[str, Any]:
    """The receiver secrets that are configured, by build_config key (Secret objects, never plaintext)."""
    candidates = {
        PAGERDUTY_KEY: settings.pagerduty_routing_key,
        SLACK_URL: settings.slack_webhook_url,
        DEAD_MANS_SWITCH_URL: settings.dead_mans_switch_url,
    }
    return {key: secret for key, secret in candidates.items() if secret is not None}


def _receivers(settings: Settings, secrets: Mapping[str, str]) -> list[dict[str, Any]]:
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    if PAGERDUTY_KEY in secrets:
        receivers.append(
            {
                "name": PAGER_RECEIVER,
                "pagerduty_configs": [
                    {
                        "routing_key": secrets[PAGERDUTY_KEY],
                        "send_resolved": True,
                        "description": "{{ .CommonAnnotations.summary }}",
                        "links": [{"href": "{{ .CommonAnnotations.runbook_url }}", "text": "Runbook"}],
                    }
                ],
            }
        )
    if SLACK_URL in secrets:
        receivers.append(
            {
                "name": CHAT_RECEIVER,
                "slack_configs": [
                    {
                        "api_url": secrets[SLACK_URL],
                        "channel": settings.alerting.slack_channel,
                        "send_resolved": True,
                        "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} "
                        "({{ .CommonLabels.namespace }})",
                        "text": "{{ .CommonAnnotations.description }}\nRunbook: {{ .CommonAnnotations.runbook_url }}",
                    }
                ],
            }
        )
    if DEAD_MANS_SWITCH_URL in secrets:
        receivers.append(
            {
                "name": DEAD_MANS_SWITCH_RECEIVER,
                "webhook_configs": [{"url": secrets[DEAD_MANS_SWITCH_URL], "send_resolved": False}],
            }
        )
    return receivers


def build_config(settings: Settings, secrets: Mapping[str, str]) -> dict[str, Any]:
    """alertmanager.yaml as a dict. Missing receivers degrade: no PagerDuty -> critical goes to chat."""
    chat = CHAT_RECEIVER if SLACK_URL in secrets else NULL_RECEIVER
    pager = PAGER_RECEIVER if PAGERDUTY_KEY in secrets else chat
    heartbeat = DEAD_MANS_SWITCH_RECEIVER if DEAD_MANS_SWITCH_URL in secrets else NULL_RECEIVER
    return {
        "route": {
            "receiver": chat,  # anything without a known severity still reaches a human
            "group_by": list(GROUP_BY),
            "group_wait": GROUP_WAIT,
            "group_interval": GROUP_INTERVAL,
            "repeat_interval": REPEAT_INTERVAL,
            "routes": [
                {
                    "receiver": heartbeat,
                    "matchers": ['alertname="Watchdog"'],
                    "group_wait": "0s",
                    "group_interval": HEARTBEAT_INTERVAL,
                    "repeat_interval": HEARTBEAT_INTERVAL,
                },
                {"receiver": pager, "matchers": ['severity="critical"']},
                {"receiver": chat, "matchers": ['severity="warning"']},
                {"receiver": NULL_RECEIVER, "matchers": ['severity="info"']},
            ],
        },
        "inhibit_rules": [
            {
                "source_matchers": ['severity="critical"'],
                "target_matchers": ['severity="warning"'],
                "equal": list(INHIBIT_EQUAL),
            }
        ],
        "receivers": _receivers(settings, secrets),
    }
