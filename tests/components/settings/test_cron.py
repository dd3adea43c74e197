"""Six-field cron as CloudNativePG (robfig/cron v1.2.0) reads it, and the longest gap between runs."""

from __future__ import annotations

import re

import pytest

from components.settings import ConfigError
from components.settings.cron import longest_gap_seconds, parse
from tests.support.stacks import stack_settings

HOUR, DAY = 3600, 86_400


@pytest.mark.parametrize(
    ("schedule", "gap"),
    [
        ("0 0 2 * * *", DAY),
        ("*/30 * * * * *", 30),
        ("0 */15 * * * *", 15 * 60),
        ("0 30 1,13 * * *", 12 * HOUR),
        ("0 0 1-5 * * *", 20 * HOUR),  # 05:00 to 01:00 the next day
        ("0 0 2 * * SUN", 7 * DAY),
        ("0 0 2 ? * mon-fri", 3 * DAY),  # Friday to Monday
        ("0 0 0 1 * *", 31 * DAY),
        ("0 0 0 29 2 *", (365 * 3 + 366) * DAY),  # leap days only
        ("0 0 0 1 jan,jul *", 184 * DAY),  # July 1 to January 1
        ("0 0 0 5/10 * *", 11 * DAY),  # 5, 15, 25: the 25th to the 5th after a 31-day month
        ("@daily", DAY),
        ("@weekly", 7 * DAY),
        ("@monthly", 31 * DAY),
        ("@every 1h30m", 90 * 60),
        ("@every 500ms", 1),  # robfig/cron runs @every at least a second apart
    ],
)
def test_longest_gap(schedule: str, gap: int) -> None:
    assert longest_gap_seconds(schedule) == gap


def test_day_of_month_and_weekday_both_restricted_means_either() -> None:
    # Vixie cron, as robfig/cron: the 1st of the month OR any Monday; so never more than a week apart.
    assert longest_gap_seconds("0 0 2 1 * MON") == 7 * DAY
    # One of them `*` means both must match: every day.
    assert longest_gap_seconds("0 0 2 * * *") == DAY


@pytest.mark.parametrize(
    "schedule",
    [
        "0 0 2 * *",  # five fields: CloudNativePG's docs ask for six, seconds first
        "@daily",
        "0 0 24 * * *",
        "0 60 2 * * *",
        "0 0 2 * * 7",  # robfig/cron v1 weekdays are 0-6
        "0 0 2 0 * *",
        "0 0 2 * 13 *",
        "0 0 0 31 2 *",  # never runs
        "0 0 */0 * * *",
        "0 0 5-1 * * *",
        "0 0 two * * *",
    ],
)
def test_what_the_operator_rejects_is_rejected(schedule: str) -> None:
    with pytest.raises(ValueError):
        parse(schedule)


def test_a_bad_schedule_is_a_settings_error_naming_the_key() -> None:
    with pytest.raises(ConfigError, match=re.escape("greenlight:database.backup.schedule") + ".*six-field cron"):
        stack_settings("prod", "greenlight:database.backup.schedule=0 0 2 * *")


def test_a_schedule_that_never_runs_is_a_settings_error() -> None:
    with pytest.raises(ConfigError, match=re.escape("greenlight:database.backup.schedule")):
        stack_settings("prod", "greenlight:database.backup.schedule=0 0 0 31 2 *")


def test_a_retention_the_object_store_would_refuse_is_a_settings_error() -> None:
    with pytest.raises(ConfigError, match=re.escape("greenlight:database.backup.retention") + ".*30d, 4w or 3m"):
        stack_settings("prod", "greenlight:database.backup.retention=0d")
