"""One incident, one page: each inhibition of the rendered config, proven on a real Alertmanager.

The prod stack's rendered config is loaded into `prometheus-alertmanager` (127.0.0.1, a free port, a
throwaway data dir). Each case posts a firing source alert, a target with the source's `equal` labels
and a control target without them (another app or cluster), then reads the alerts back from
Alertmanager's API: the target is `suppressed` and `inhibitedBy` the source, the control and the source
stay `active`. Shipped timers are kept (group_wait 30s), so nothing is notified while a case runs.
"""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from components.objects import alertmanager as am
from tests.e2e.processes import Alertmanager
from tests.support.alertmanager import as_judged, rendered_config
from tests.support.tools import require_tool

NS = "greenlight-prod"
SETTLE_SECONDS = 10
POLL_SECONDS = 0.1
HTTP_TIMEOUT_SECONDS = 5


@dataclass(frozen=True)
class Case:
    name: str
    source: dict[str, str]
    target: dict[str, str]
    control: dict[str, str]  # like target, but without the source's `equal` labels: must stay active


def _alert(name: str, severity: str, **labels: str) -> dict[str, str]:
    return {"alertname": name, "severity": severity, **labels}


CASES = [
    Case(
        "a critical mutes the warning of the same alert",
        _alert("KubePersistentVolumeFillingUp", "critical", namespace=NS, persistentvolumeclaim="data-web-db-1"),
        _alert("KubePersistentVolumeFillingUp", "warning", namespace=NS, persistentvolumeclaim="data-web-db-1"),
        _alert("KubePersistentVolumeFillingUp", "warning", namespace="greenlight-staging"),
    ),
    Case(
        "AppNoTargetsUp mutes AppTargetDown of the same app",
        _alert("AppNoTargetsUp", "critical", namespace=NS, job="web"),
        _alert("AppTargetDown", "warning", namespace=NS, job="web", pod="web-blue-7d9f-abcde"),
        _alert("AppTargetDown", "warning", namespace=NS, job="api", pod="api-5c4b-fghij"),
    ),
    Case(
        "AppNoTargetsUp mutes the chart's TargetDown of the same app",
        _alert("AppNoTargetsUp", "critical", namespace=NS, job="web"),
        _alert("TargetDown", "warning", namespace=NS, job="web", service="web-blue"),
        _alert("TargetDown", "warning", namespace=NS, job="kube-state-metrics", service="kube-state-metrics"),
    ),
    Case(
        "HighErrorRate mutes the fast budget burn of the same app",
        _alert("HighErrorRate", "critical", namespace=NS, job="web"),
        _alert("ErrorBudgetBurnFast", "critical", namespace=NS, job="web"),
        _alert("ErrorBudgetBurnFast", "critical", namespace=NS, job="api"),
    ),
    Case(
        "DatabaseDown mutes DatabaseDegraded of the same cluster",
        _alert("DatabaseDown", "critical", namespace=NS, job="database", cnpg_cluster="web-db"),
        _alert("DatabaseDegraded", "warning", namespace=NS, job="database", cnpg_cluster="web-db"),
        _alert("DatabaseDegraded", "warning", namespace=NS, job="database", cnpg_cluster="api-db"),
    ),
]


def _request(base: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:
        text = response.read()
    return json.loads(text) if text else None


def _post(base: str, *labels: dict[str, str]) -> None:
    now = datetime.now(UTC)
    alerts = [
        {"labels": lab, "startsAt": now.isoformat(), "endsAt": (now + timedelta(hours=1)).isoformat()} for lab in labels
    ]
    _request(base, "/api/v2/alerts", alerts)


def _states(base: str, *labels: dict[str, str]) -> dict[str, dict[str, Any]]:
    """fingerprint-free view: json(labels) -> {state, inhibitedBy (as label sets), fingerprint}."""
    alerts = _request(base, "/api/v2/alerts")
    by_fingerprint = {a["fingerprint"]: a["labels"] for a in alerts}
    wanted = {json.dumps(lab, sort_keys=True) for lab in labels}
    return {
        json.dumps(a["labels"], sort_keys=True): {
            "state": a["status"]["state"],
            "inhibitedBy": [by_fingerprint.get(f) for f in a["status"]["inhibitedBy"]],
        }
        for a in alerts
        if json.dumps(a["labels"], sort_keys=True) in wanted
    }


@pytest.fixture(scope="module")
def alertmanager(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list[str]]]:
    binary = require_tool("prometheus-alertmanager")
    config, changed = as_judged(rendered_config("prod"), binary)
    server = Alertmanager(binary, Path(tmp_path_factory.mktemp("inhibitions")))
    server.write_config(config)
    with server:
        yield server.base_url, changed


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_each_inhibition_mutes_only_its_target(alertmanager: tuple[str, list[str]], case: Case) -> None:
    base, _ = alertmanager
    _post(base, case.source, case.target, case.control)
    key = {name: json.dumps(lab, sort_keys=True) for name, lab in vars(case).items() if isinstance(lab, dict)}
    deadline = time.monotonic() + SETTLE_SECONDS
    while True:
        states = _states(base, case.source, case.target, case.control)
        if (len(states) == 3 and states[key["target"]]["state"] == "suppressed") or time.monotonic() > deadline:
            break
        time.sleep(POLL_SECONDS)
    assert states[key["target"]] == {"state": "suppressed", "inhibitedBy": [case.source]}, states
    assert states[key["control"]] == {"state": "active", "inhibitedBy": []}, states
    assert states[key["source"]]["state"] == "active", states


def test_the_two_error_pages_of_one_app_are_one_group(alertmanager: tuple[str, list[str]]) -> None:
    """One aggregation group -> one PagerDuty dedup_key -> one incident, whichever alert fires first."""
    base, _ = alertmanager
    first = _alert("ErrorBudgetBurnFast", "critical", namespace=NS, job="shop")
    second = _alert("HighErrorRate", "critical", namespace=NS, job="shop")
    _post(base, first, second)
    deadline = time.monotonic() + SETTLE_SECONDS
    groups: list[dict[str, Any]] = []
    while time.monotonic() < deadline:
        groups = [g for g in _request(base, "/api/v2/alerts/groups") if g["labels"].get("job") == "shop"]
        if groups and len(groups[0]["alerts"]) == 2:
            break
        time.sleep(POLL_SECONDS)
    [group] = groups
    assert group["labels"] == {"namespace": NS, "job": "shop"}
    assert group["receiver"]["name"] == am.PAGER_RECEIVER
    assert {a["labels"]["alertname"] for a in group["alerts"]} == {"HighErrorRate", "ErrorBudgetBurnFast"}
