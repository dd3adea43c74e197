"""AppSpec: one app of a stack — its identity and the settings its per-app pieces read.

The per-app components (release, database, observability) and every builder below them take an
AppSpec, never the whole stack settings, and read the app's identity from ``spec.name`` and
``spec.namespace``. A stack with several apps builds one AppSpec per app with ``app_spec(settings,
name=..., namespace=...)``; platform pieces (monitoring, the PostgreSQL operator) take Settings once.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from components.settings.fields import Secret
from components.settings.grammar import BUILD, DNS_LABEL
from components.settings.model import (
    AlertingSettings,
    AppSettings,
    DatabaseSettings,
    ImageBuild,
    MonitoringSettings,
    ReleaseSettings,
    Settings,
)
from components.settings.problems import ConfigError, problem


@dataclass(frozen=True)
class AppSpec:
    name: str
    namespace: str
    environment: str
    team: str
    cost_center: str
    app: AppSettings  # app.name always equals name
    release: ReleaseSettings
    database: DatabaseSettings
    alerting: AlertingSettings
    monitoring: MonitoringSettings  # whether Prometheus runs, and in which namespace
    image_build: ImageBuild
    registry_password: Secret | None
    database_password: Secret | None
    backup_secret_access_key: Secret | None

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def instance(self) -> str:
        """app.kubernetes.io/instance of the app's objects."""
        return f"{self.name}-{self.environment}"

    @property
    def rolling(self) -> bool:
        return self.release.strategy == "rolling"

    def images(self) -> tuple[str, ...]:
        if self.rolling:
            return (self.app.image,)
        return (self.release.blue.image, self.release.green.image)

    @property
    def builds_image(self) -> bool:
        return BUILD in self.images()


def app_spec(settings: Settings, name: str | None = None, namespace: str | None = None) -> AppSpec:
    """The stack's app (default) or another app of the same stack, named `name` in `namespace`."""
    name = settings.app.name if name is None else name
    namespace = settings.app_namespace if namespace is None else namespace
    problems = [
        problem(key, value, "a DNS-1123 label")
        for key, value in (("app.name", name), ("namespace", namespace))
        if not DNS_LABEL.fullmatch(value)
    ]
    if problems:
        raise ConfigError("the program's app_spec() call", problems)
    return AppSpec(
        name=name,
        namespace=namespace,
        environment=settings.environment,
        team=settings.team,
        cost_center=settings.cost_center,
        app=dataclasses.replace(settings.app, name=name),
        release=settings.release,
        database=settings.database,
        alerting=settings.alerting,
        monitoring=settings.monitoring,
        image_build=settings.image,
        registry_password=settings.registry_password,
        database_password=settings.database_password,
        backup_secret_access_key=settings.backup_secret_access_key,
    )
