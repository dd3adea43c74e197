"""The database's backup alerts: present where backups are, thresholds from the stack's own schedule
and retention, scoped to the app's cluster. (Timing is in promtool/database_*.test.yaml.)"""

from __future__ import annotations

from typing import Any

import pytest

from components.rules import database
from components.rules.mixin import rule_groups
from components.rules.model import AppScope
from tests.support.stacks import stack_app

BACKUP_ALERTS = {"DatabaseWALArchivingFailing", "DatabaseBackupTooOld", "DatabaseRecoveryWindowOutOfRetention"}


def _alerts(*args: str) -> dict[str, dict[str, Any]]:
    return {r["alert"]: r for g in rule_groups(stack_app(*args)) for r in g["rules"] if "alert" in r}


def test_stacks_that_back_up_watch_their_backups_and_others_do_not() -> None:
    assert BACKUP_ALERTS <= set(_alerts("prod"))
    assert BACKUP_ALERTS.isdisjoint(_alerts("dev"))
    assert BACKUP_ALERTS.isdisjoint(_alerts("staging"))


def test_archiving_pages_and_stale_backups_or_retention_go_to_chat() -> None:
    alerts = _alerts("prod")
    assert alerts["DatabaseWALArchivingFailing"]["labels"]["severity"] == "critical"
    assert alerts["DatabaseBackupTooOld"]["labels"]["severity"] == "warning"
    assert alerts["DatabaseRecoveryWindowOutOfRetention"]["labels"]["severity"] == "warning"


def test_every_backup_alert_reads_only_the_apps_own_cluster() -> None:
    for name in BACKUP_ALERTS:
        expr = _alerts("prod")[name]["expr"]
        selectors = expr.count("{")
        assert (
            selectors and expr.count('job="database", namespace="greenlight-prod", pod=~"web-db-[0-9]+"') == selectors
        )


@pytest.mark.parametrize(
    ("schedule", "limit"),
    [
        ("0 0 2 * * *", 129_600),  # daily: 36h
        ("0 0 * * * *", 5_400),  # hourly: 90m
        ("0 0 3 * * SUN", 907_200),  # weekly: 10.5 days
        ("0 30 1,13 * * *", 64_800),  # twice a day: 18h
    ],
)
def test_the_backup_age_limit_is_one_and_a_half_times_the_schedules_longest_gap(schedule: str, limit: int) -> None:
    expr = _alerts("prod", f"greenlight:database.backup.schedule={schedule}")["DatabaseBackupTooOld"]["expr"]
    assert f"> {limit}\n" in expr
    assert database.backup_age_limit_seconds(schedule) == limit


@pytest.mark.parametrize(("retention", "seconds"), [("30d", 2_592_000), ("4w", 2_419_200), ("3m", 8_035_200)])
def test_the_recovery_window_follows_the_retention_setting(retention: str, seconds: int) -> None:
    assert database.retention_seconds(retention) == seconds
    expr = _alerts("prod", f"greenlight:database.backup.retention={retention}")["DatabaseRecoveryWindowOutOfRetention"]
    # older than retention + 36h + the plugin's 30-minute retention check; or a short window after a jump
    assert f"> {seconds + 129_600 + 1_800}\n" in expr["expr"] and f"< {seconds})" in expr["expr"]


def test_alerts_of_two_apps_in_one_namespace_do_not_read_each_others_cluster() -> None:
    web, api = AppScope("web", "shared"), AppScope("api", "shared")
    assert 'pod=~"web-db-[0-9]+"' in database.wal_archiving_failing(web).expr
    assert "web-db" not in database.wal_archiving_failing(api).expr
