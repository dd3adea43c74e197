"""Backup schedules as CloudNativePG runs them, and the longest gap between two runs.

CloudNativePG parses `ScheduledBackup.spec.schedule` with `cron.Parse` of github.com/robfig/cron
v1.2.0 (internal/controller/scheduledbackup_controller.go, go.mod of v1.30.0): six fields (seconds,
minutes, hours, day of month, month, day of week), each `*`, `?`, a number or name, a range `a-b`, a
step `/n` (`N/n` means `N-max/n`) or a comma list; or a descriptor (`@daily`, `@every 1h30m`). Day of
month and day of week combine like Vixie cron: when either is `*` or `?`, both must match; otherwise
either may. grammar.cron_ok checks the syntax; the backup alerts need the longest gap between two runs
(components/rules/database.py), and ``schedule_ok`` also refuses a schedule that (almost) never runs.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass
from datetime import date, timedelta

from components.settings.grammar import cron_ok

# (lowest, highest, names) per field, robfig/cron v1.2.0 spec.go `bounds`.
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_BOUNDS: tuple[tuple[int, int, dict[str, int]], ...] = (
    (0, 59, {}),  # seconds
    (0, 59, {}),  # minutes
    (0, 23, {}),  # hours
    (1, 31, {}),  # day of month
    (1, 12, {name: i + 1 for i, name in enumerate(_MONTHS)}),
    (0, 6, {name: i for i, name in enumerate(_DAYS)}),  # Sunday = 0
)
_VALUE = re.compile(r"^\d+$")
# robfig/cron v1.2.0 parser.go parseDescriptor: the fixed schedules the descriptors stand for.
_DESCRIPTORS = {
    "@yearly": "0 0 0 1 1 *",
    "@annually": "0 0 0 1 1 *",
    "@monthly": "0 0 0 1 * *",
    "@weekly": "0 0 0 * * 0",
    "@daily": "0 0 0 * * *",
    "@midnight": "0 0 0 * * *",
    "@hourly": "0 0 * * * *",
}
# `@every <Go duration>`: runs that far apart, truncated to whole seconds, at least one (robfig's Every).
_EVERY = "@every "
_GO_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|µs|ms|s|m|h)")
_GO_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
# Eight years hold every day-of-month/month/weekday combination, leap days included.
_SPAN_DAYS = 8 * 366
SECONDS_PER_DAY = 86_400


@dataclass(frozen=True)
class CronSchedule:
    seconds: frozenset[int]
    minutes: frozenset[int]
    hours: frozenset[int]
    days_of_month: frozenset[int]
    months: frozenset[int]
    weekdays: frozenset[int]
    any_day_of_month: bool  # `*` or `?`
    any_weekday: bool

    def runs_on(self, day: date) -> bool:
        if day.month not in self.months:
            return False
        by_date = day.day in self.days_of_month
        by_weekday = (day.weekday() + 1) % 7 in self.weekdays  # Python's Monday = 0, cron's Sunday = 0
        if self.any_day_of_month or self.any_weekday:
            return by_date and by_weekday
        return by_date or by_weekday


def _number(text: str, names: dict[str, int]) -> int:
    if text.lower() in names:
        return names[text.lower()]
    if not _VALUE.fullmatch(text):
        raise ValueError(f"not a number: {text!r}")
    return int(text)


def _part(text: str, low: int, high: int, names: dict[str, int]) -> tuple[set[int], bool]:
    """One comma-separated part: its values and whether it is `*`/`?` (robfig's star bit)."""
    range_text, _, step_text = text.partition("/")
    star = range_text in ("*", "?")
    if star:
        start, end = low, high
    else:
        first, dash, last = range_text.partition("-")
        start = _number(first, names)
        end = _number(last, names) if dash else (high if step_text else start)
    step = _number(step_text, {}) if step_text else 1
    if not (low <= start <= end <= high) or step == 0:
        raise ValueError(f"{text!r} is outside {low}-{high}")
    return set(range(start, end + 1, step)), star


def _field(text: str, low: int, high: int, names: dict[str, int]) -> tuple[frozenset[int], bool]:
    values: set[int] = set()
    star = False
    for part in text.split(","):
        part_values, part_star = _part(part, low, high, names)
        values |= part_values
        star = star or part_star
    return frozenset(values), star


def parse(text: str) -> CronSchedule:
    """Raises ValueError for anything robfig/cron's six-field parser would reject (or never runs)."""
    fields = text.split()
    if len(fields) != len(_BOUNDS):
        raise ValueError(f"{len(fields)} fields, not six")
    parsed = [_field(f, low, high, names) for f, (low, high, names) in zip(fields, _BOUNDS, strict=True)]
    (sec, _), (minute, _), (hour, _), (dom, any_dom), (month, _), (dow, any_dow) = parsed
    schedule = CronSchedule(sec, minute, hour, dom, month, dow, any_dom, any_dow)
    if len(_run_days(schedule)) < 2:
        raise ValueError("the schedule does not run at least twice in eight years")
    return schedule


def schedule_ok(text: str) -> bool:
    """What the operator accepts (grammar.cron_ok) and runs at least twice in eight years."""
    if not cron_ok(text):
        return False
    try:
        longest_gap_seconds(text)
    except ValueError:
        return False
    return True


def _every_seconds(duration: str) -> int:
    parts = _GO_DURATION_PART.findall(duration)
    if not parts or "".join(n + u for n, u in parts) != duration:
        raise ValueError(f"not a Go duration: {duration!r}")
    return max(1, int(sum(float(n) * _GO_UNIT_SECONDS[u] for n, u in parts)))


def _run_days(schedule: CronSchedule) -> list[int]:
    start = date(2024, 1, 1)  # a leap year; the weekday pattern repeats, so any start will do
    return [n for n in range(_SPAN_DAYS) if schedule.runs_on(start + timedelta(days=n))]


def longest_gap_seconds(text: str) -> int:
    """The longest time between two consecutive runs of the schedule, in seconds."""
    if text.startswith(_EVERY):
        return _every_seconds(text[len(_EVERY) :])
    schedule = parse(_DESCRIPTORS.get(text, text))
    times = sorted(h * 3600 + m * 60 + s for h in schedule.hours for m in schedule.minutes for s in schedule.seconds)
    within_day = max((b - a for a, b in itertools.pairwise(times)), default=0)
    days = _run_days(schedule)
    between_days = max(
        (later - earlier) * SECONDS_PER_DAY - times[-1] + times[0] for earlier, later in itertools.pairwise(days)
    )
    return max(within_day, between_days)
