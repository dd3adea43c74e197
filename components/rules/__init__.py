"""Per-app observability "mixin": alert and recording rules, SLO arithmetic, dashboards.

Layer 3 of components/ (docs/architecture.md): pure functions over an AppSpec; imports settings and
the contract only. ``mixin.py`` composes one app's rule groups and dashboards in one place.
  model.py       the typed rule model (Alert, Recording, RuleGroup, AppScope)
  service.py     alerts on the app's own signals (errors, latency, scrape targets)
  platform.py    alerts on what the app runs on (pods) and on the alerting pipeline (Watchdog)
  database.py    alerts on the app's PostgreSQL (CloudNativePG's cnpg_collector_up)
  slo.py         the availability SLO as recording rules and multi-window burn-rate alerts
  dashboards.py  which Grafana dashboards an app gets, and the panel each alert links
  dashboards_kit.py      shared building blocks on grafana-foundation-sdk (Grafana's typed builders)
  dashboards_service.py  RED by color and version, SLO burn and budget, saturation, restarts
  dashboards_release.py  both colors side by side, share of requests, the gate's verdicts
  dashboards_database.py CloudNativePG: up, connections, replication, WAL archiving, backups
  dashboards_logs.py     Loki: lines by level and color, one request's lines
  mixin.py       one app's rule groups and dashboards, steps that touch every alert applied once
"""
