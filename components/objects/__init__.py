"""Pure builders of manifest dicts, from small value objects (AppSpec, Track, ReleasePlan, Settings).

Layer 4 of components/ (docs/architecture.md): imports settings, contract and rules; nothing here
talks to Pulumi. Tests and the offline tools call these directly.
  meta.py           the label contract and object metadata
  plan.py           Track and ReleasePlan: what a release deploys, promotion or rollback, capacity
  workload.py       ServiceAccount, ConfigMap, Deployment, HPA, PDB
  networking.py     Service, NetworkPolicy, ServiceMonitor, Ingress
  migration.py      the schema migration Job and its NetworkPolicy
  gate.py           the landing and promotion gate Jobs and their NetworkPolicy (scripts/gate.sh)
  judge.py          judging one color over a window in Prometheus (scripts/judge.sh), reusable alone
  release.py        live, preview and color Services; the canary HTTPRoute
  database.py       CloudNativePG Cluster, backups, PodMonitor, Secrets, operator values
  observability.py  one app's PrometheusRule and dashboard ConfigMaps
  monitoring.py     the monitoring charts' values, namespace and Secrets
  alertmanager.py   alertmanager.yaml (plain) and its inhibitions; credentials as mounted files
  alloy.py          the log pipeline (Alloy configuration)
  charts.py         the pinned Helm charts
  access.py         how a person reaches the monitoring tools and dashboards (stack outputs)
"""
