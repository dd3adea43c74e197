"""greenlight: load the stack's settings, compose the components, export what users need."""

import pulumi
import pulumi_kubernetes as k8s

from components.labels import standard_labels
from components.settings import load

settings = load()

namespace = k8s.core.v1.Namespace(
    "namespace",
    metadata={
        "name": settings.app_namespace,
        "labels": standard_labels(settings, settings.app.name, "namespace"),
    },
)

pulumi.export("environment", settings.environment)
pulumi.export("namespace", namespace.metadata["name"])
