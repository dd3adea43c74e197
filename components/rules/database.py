"""Alerts on the app's PostgreSQL (CloudNativePG): is the database there and answering."""

from __future__ import annotations

from components.contract import DATABASE_JOB
from components.rules.model import Alert

# Checklist (DESIGN.md): DatabaseDown keeps its name, severity critical and a 1m `for`.
DATABASE_DOWN_FOR = "1m"


def database_down() -> Alert:
    return Alert(
        name="DatabaseDown",
        expr=f'up{{job="{DATABASE_JOB}"}} == 0',
        for_=DATABASE_DOWN_FOR,
        severity="critical",
        summary="The app's PostgreSQL cannot be scraped: the database is down",
        description=(
            "Prometheus has not reached the database target {{ $labels.instance }} (pod {{ $labels.pod }}) "
            f"in {{{{ $labels.namespace }}}} for {DATABASE_DOWN_FOR}."
        ),
    )
