"""greenlight's component library, in five layers, each importing only the layers before it
(docs/architecture.md):

  settings/   stack config -> frozen, validated dataclasses; AppSpec per app
  contract.py every name other parts rely on, written once
  rules/      per-app alert and recording rules, SLO arithmetic, dashboards (pure)
  objects/    pure builders of manifest dicts from small value objects (AppSpec, Track, ReleasePlan)
  resources/  thin ComponentResources: the platform pieces once, the per-app pieces per app
"""
