"""Availability SLO -> error-ratio recording rules and multi-window, multi-burn-rate alerts.

Plain arithmetic over the table in the Google SRE workbook, "Alerting on SLOs", section 6
("Multiwindow, multiburn-rate alerts"), the scheme Sloth and Pyrra generate:

    budget consumed | long window | short window | burn rate | action
    2%              | 1h          | 5m           | 14.4      | page
    5%              | 6h          | 30m          | 6         | page
    10%             | 1d          | 2h           | 3         | ticket
    10%             | 3d          | 6h           | 1         | ticket

An alert condition holds when the error ratio over BOTH windows of a pair exceeds
burn_rate * (1 - objective): the long window proves the burn is significant, the short one that it
is still going on (so the alert resets soon after a fix).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from components.contract import (
    APP_GROUPING,
    ERROR_RATIO_WINDOWS,
    HTTP_REQUESTS,
    SERVER_ERROR_STATUS,
    error_ratio_record,
)
from components.rules.model import Alert, AppScope, Recording, number

PAGE = "critical"
TICKET = "warning"
FAST_BURN_ALERT = "ErrorBudgetBurnFast"
SLOW_BURN_ALERT = "ErrorBudgetBurnSlow"
# A short `for` keeps one noisy evaluation from paging; the windows above do the real filtering.
FAST_BURN_FOR = "2m"
SLOW_BURN_FOR = "15m"


@dataclass(frozen=True)
class BurnRatePair:
    long_window: str
    short_window: str
    burn_rate: float
    severity: str


# The SRE workbook table (module docstring), in order.
BURN_RATE_PAIRS = (
    BurnRatePair("1h", "5m", 14.4, PAGE),
    BurnRatePair("6h", "30m", 6, PAGE),
    BurnRatePair("1d", "2h", 3, TICKET),
    BurnRatePair("3d", "6h", 1, TICKET),
)


def error_budget(objective_percent: float) -> Decimal:
    """99.9 (%) -> 0.001: the share of requests allowed to fail."""
    return (Decimal(100) - Decimal(str(objective_percent))) / Decimal(100)


def error_ratio_recordings(scope: AppScope) -> tuple[Recording, ...]:
    by = ", ".join(APP_GROUPING)
    return tuple(
        Recording(
            record=error_ratio_record(window),
            expr=(
                f"sum by ({by}) "
                f'(rate({HTTP_REQUESTS}{{{scope.traffic_selector}, status=~"{SERVER_ERROR_STATUS}"}}[{window}]))\n'
                f"/\n"
                f"sum by ({by}) (rate({HTTP_REQUESTS}{{{scope.traffic_selector}}}[{window}]))"
            ),
        )
        for window in ERROR_RATIO_WINDOWS
    )


def _pair_condition(scope: AppScope, pair: BurnRatePair, budget: Decimal) -> str:
    threshold = number(Decimal(str(pair.burn_rate)) * budget)
    long_ratio = f"{error_ratio_record(pair.long_window)}{{{scope.selector}}}"
    short_ratio = f"{error_ratio_record(pair.short_window)}{{{scope.selector}}}"
    return f"(\n  {long_ratio} > {threshold}\nand\n  {short_ratio} > {threshold}\n)"


def burn_rate_alerts(scope: AppScope, objective_percent: float) -> tuple[Alert, ...]:
    budget = error_budget(objective_percent)
    objective = number(objective_percent)
    alerts = []
    for name, severity, for_, speed in (
        (FAST_BURN_ALERT, PAGE, FAST_BURN_FOR, "fast"),
        (SLOW_BURN_ALERT, TICKET, SLOW_BURN_FOR, "slow"),
    ):
        pairs = [p for p in BURN_RATE_PAIRS if p.severity == severity]
        windows = " or ".join(f"{p.long_window}/{p.short_window} at {number(p.burn_rate)}x" for p in pairs)
        alerts.append(
            Alert(
                name=name,
                expr="\nor\n".join(_pair_condition(scope, p, budget) for p in pairs),
                for_=for_,
                severity=severity,
                summary=f"{scope.app} is burning its {objective}% availability error budget ({speed} burn)",
                description=(
                    f"The 5xx ratio of {{{{ $labels.job }}}} in {{{{ $labels.namespace }}}} is "
                    f"{{{{ $value | humanizePercentage }}}} over the long window ({windows} the "
                    f"{number(budget * 100)}% budget). At this rate the monthly budget runs out early."
                ),
            )
        )
    return tuple(alerts)
