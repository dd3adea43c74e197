"""Alertmanager config from typed settings: who gets paged for what, readable in a pull request.

Routes by severity: critical -> PagerDuty (paging), warning -> Slack (chat), the always-firing
Watchdog -> a dead-man's-switch webhook, info (and the chart's InfoInhibitor) -> nowhere.
Inhibitions make one incident one page (``INHIBITIONS`` says which and why).

Only credentials are secret. The receivers' keys and URLs are Pulumi secrets that land in one
Kubernetes Secret (``RECEIVERS_SECRET``); kube-prometheus-stack lists it in
``alertmanager.alertmanagerSpec.secrets``, so the Prometheus Operator mounts it into the Alertmanager
pods at ``/etc/alertmanager/secrets/<secret>/<key>``, and the config names those files
(``routing_key_file``, ``api_url_file``, ``url_file``); Alertmanager reads them when it notifies. The
config itself holds no secret, so it is the chart's ``alertmanager.config`` value: plain in
``pulumi preview``, in the rendered Helm values, and in the diff of any routing change.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components.rules.database import CLUSTER_LABEL, DATABASE_DEGRADED, DATABASE_DOWN
from components.rules.platform import WATCHDOG
from components.rules.service import APP_NO_TARGETS_UP, APP_TARGET_DOWN, HIGH_ERROR_RATE
from components.rules.slo import FAST_BURN_ALERT
from components.settings import Secret, Settings

NULL_RECEIVER = "null"
PAGER_RECEIVER = "pagerduty"
CHAT_RECEIVER = "slack"
DEAD_MANS_SWITCH_RECEIVER = "dead-mans-switch"

# The Secret holding the receivers' credentials, one file per key.
RECEIVERS_SECRET = "alertmanager-receivers"  # noqa: S105 (a name, not a value)
PAGERDUTY_KEY = "pagerduty-routing-key"
SLACK_URL = "slack-webhook-url"
DEAD_MANS_SWITCH_URL = "dead-mans-switch-url"
# Where the Prometheus Operator mounts each Secret listed in the Alertmanager's spec.secrets
# (pkg/alertmanager/statefulset.go: secretsDir + <secret name>; kube-prometheus-stack values.yaml
# alertmanager.alertmanagerSpec.secrets: "mounted into /etc/alertmanager/secrets/").
SECRETS_DIR = "/etc/alertmanager/secrets"

# Grouping and timing: Alertmanager's documented defaults for group_wait/group_interval, a 4h repeat
# (kube-prometheus-stack's default) so an unresolved page is re-sent a few times per shift.
GROUP_BY = ("alertname", "namespace", "job")
GROUP_WAIT = "30s"
GROUP_INTERVAL = "5m"
REPEAT_INTERVAL = "4h"
# The dead-man's switch expects a heartbeat at least this often.
HEARTBEAT_INTERVAL = "1m"
# kube-prometheus-stack's `general` group: InfoInhibitor (severity "none") exists only to inhibit info
# alerts; TargetDown (warning) is per job and service, so it duplicates AppTargetDown for the app.
CHART_INFO_INHIBITOR = "InfoInhibitor"
CHART_TARGET_DOWN = "TargetDown"
# The 5xx pages of one app share one aggregation group, so they share one PagerDuty incident: the
# PagerDuty integration's dedup_key is the group's key. Which fires first depends on the error share
# (the fast burn's 1h window fills first when most requests fail), and an inhibition alone would let
# the first one open an incident of its own.
ERROR_PAGES = (HIGH_ERROR_RATE, FAST_BURN_ALERT)
APP_GROUP_BY = ("namespace", "job")
# The chart's defaults for the two top-level keys greenlight does not otherwise need. Helm merges the
# chart's `alertmanager.config` into ours key by key, so setting them keeps the rendered config exactly
# what Alertmanager loads.
CHART_GLOBAL = {"resolve_timeout": "5m"}
CHART_TEMPLATES = ("/etc/alertmanager/config/*.tmpl",)


@dataclass(frozen=True)
class Inhibition:
    """While an alert matching `source` fires, alerts matching `target` with the same `equal` labels are muted."""

    why: str
    source: tuple[str, ...]
    target: tuple[str, ...]
    equal: tuple[str, ...]

    def render(self) -> dict[str, Any]:
        return {"source_matchers": list(self.source), "target_matchers": list(self.target), "equal": list(self.equal)}


INHIBITIONS = (
    Inhibition(
        "a critical mutes the warning of the same alert",
        ('severity="critical"',),
        ('severity="warning"',),
        ("alertname", "namespace"),
    ),
    Inhibition(
        "no pod of the app is up: the per-pod and per-service target alerts are the same outage",
        (f'alertname="{APP_NO_TARGETS_UP}"',),
        (f'alertname=~"{APP_TARGET_DOWN}|{CHART_TARGET_DOWN}"',),
        APP_GROUP_BY,
    ),
    Inhibition(
        "more than the HighErrorRate threshold fails now: the fast budget burn is the same incident, "
        "and HighErrorRate says what is happening; the fast burn still pages alone for slower burns",
        (f'alertname="{HIGH_ERROR_RATE}"',),
        (f'alertname="{FAST_BURN_ALERT}"',),
        APP_GROUP_BY,
    ),
    Inhibition(
        "the database is down: a missing replica is part of it",
        (f'alertname="{DATABASE_DOWN}"',),
        (f'alertname="{DATABASE_DEGRADED}"',),
        ("namespace", CLUSTER_LABEL),
    ),
)


def credentials(settings: Settings) -> dict[str, Secret]:
    """The configured receiver credentials, by file name in RECEIVERS_SECRET (Secrets, never plaintext)."""
    candidates = {
        PAGERDUTY_KEY: settings.pagerduty_routing_key,
        SLACK_URL: settings.slack_webhook_url,
        DEAD_MANS_SWITCH_URL: settings.dead_mans_switch_url,
    }
    return {key: secret for key, secret in candidates.items() if secret is not None}


def credential_file(key: str) -> str:
    return f"{SECRETS_DIR}/{RECEIVERS_SECRET}/{key}"


def _receivers(settings: Settings, configured: set[str]) -> list[dict[str, Any]]:
    receivers: list[dict[str, Any]] = [{"name": NULL_RECEIVER}]
    if PAGERDUTY_KEY in configured:
        pagerduty = {
            "routing_key_file": credential_file(PAGERDUTY_KEY),
            "send_resolved": True,
            "description": "{{ .CommonAnnotations.summary }}",
            "links": [{"href": "{{ .CommonAnnotations.runbook_url }}", "text": "Runbook"}],
        }
        receivers.append({"name": PAGER_RECEIVER, "pagerduty_configs": [pagerduty]})
    if SLACK_URL in configured:
        slack = {
            "api_url_file": credential_file(SLACK_URL),
            "channel": settings.alerting.slack_channel,
            "send_resolved": True,
            "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }} ({{ .CommonLabels.namespace }})",
            "text": "{{ .CommonAnnotations.description }}\nRunbook: {{ .CommonAnnotations.runbook_url }}",
        }
        receivers.append({"name": CHAT_RECEIVER, "slack_configs": [slack]})
    if DEAD_MANS_SWITCH_URL in configured:
        webhook = {"url_file": credential_file(DEAD_MANS_SWITCH_URL), "send_resolved": False}
        receivers.append({"name": DEAD_MANS_SWITCH_RECEIVER, "webhook_configs": [webhook]})
    return receivers


def _routes(pager: str, chat: str, heartbeat: str) -> list[dict[str, Any]]:
    error_pages = {"matchers": [f'alertname=~"{"|".join(ERROR_PAGES)}"'], "group_by": list(APP_GROUP_BY)}
    return [
        {
            "receiver": heartbeat,
            "matchers": [f'alertname="{WATCHDOG}"'],
            "group_wait": "0s",
            "group_interval": HEARTBEAT_INTERVAL,
            "repeat_interval": HEARTBEAT_INTERVAL,
        },
        {"receiver": NULL_RECEIVER, "matchers": [f'alertname="{CHART_INFO_INHIBITOR}"']},
        {"receiver": pager, "matchers": ['severity="critical"'], "routes": [error_pages]},
        {"receiver": chat, "matchers": ['severity="warning"']},
        {"receiver": NULL_RECEIVER, "matchers": ['severity="info"']},
    ]


def build_config(settings: Settings) -> dict[str, Any]:
    """alertmanager.yaml as a dict. Missing receivers degrade: no PagerDuty -> critical goes to chat."""
    configured = set(credentials(settings))
    chat = CHAT_RECEIVER if SLACK_URL in configured else NULL_RECEIVER
    pager = PAGER_RECEIVER if PAGERDUTY_KEY in configured else chat
    heartbeat = DEAD_MANS_SWITCH_RECEIVER if DEAD_MANS_SWITCH_URL in configured else NULL_RECEIVER
    return {
        "global": dict(CHART_GLOBAL),
        "route": {
            "receiver": chat,  # anything without a known severity still reaches a human
            "group_by": list(GROUP_BY),
            "group_wait": GROUP_WAIT,
            "group_interval": GROUP_INTERVAL,
            "repeat_interval": REPEAT_INTERVAL,
            "routes": _routes(pager, chat, heartbeat),
        },
        "inhibit_rules": [inhibition.render() for inhibition in INHIBITIONS],
        "receivers": _receivers(settings, configured),
        "templates": list(CHART_TEMPLATES),
    }
