"""Per-app observability "mixin": alert and recording rules, SLO arithmetic, dashboards.

Layer 3 of components/ (docs/architecture.md): pure functions over an AppSpec; imports settings and
the contract only. ``mixin.py`` composes one app's rule groups and dashboards in one place.
  model.py       the typed rule model (Alert, Recording, RuleGroup, AppScope)
  service.py     alerts on the app's own signals (errors, latency, scrape targets)
  platform.py    alerts on what the app runs on (pods) and on the alerting pipeline (Watchdog)
  database.py    alerts on the app's PostgreSQL (CloudNativePG's cnpg_collector_up)
  slo.py         the availability SLO as recording rules and multi-window burn-rate alerts
  dashboards.py  Grafana dashboards (service, logs)
  mixin.py       one app's rule groups and dashboards, steps that touch every alert applied once
"""
