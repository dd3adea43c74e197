"""The one path by which components register children (manifest dicts and Helm charts) and read live objects.

One place maps a manifest to what the engine receives: every object, built-in kind or CRD, registers as
a `pulumi.CustomResource` of the Kubernetes provider's type token for its apiVersion and kind, with the
manifest's top-level fields as its inputs; charts register as helm.v4.Chart.

Why not pulumi-kubernetes' typed classes (`k8s.apps.v1.Deployment`, ...): they send the engine the same
type token and the same inputs, but cost about twice as much per object to construct (typed input and
output translation) and a third of a second to import. Everything they add on the wire is kept here, so
existing stacks see the same resources: the provider version (`_utilities.get_resource_opts_defaults()`),
a Secret's `data`/`stringData` as secret inputs and additional secret outputs (`core/v1/Secret.py`), and
the aliases each typed class adds for its kind's older API versions (typed_aliases.py), after the caller's.
tests/components/resources/test_register.py compares the requests with the typed classes' field by field.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
from pulumi_kubernetes import _utilities as k8s_utilities
from pulumi_kubernetes.helm.v4 import Chart

from components.objects.charts import ChartSource
from components.resources.typed_aliases import typed_aliases

# pulumi-kubernetes/sdk/python/pulumi_kubernetes/core/v1/Secret.py (_internal_init): the typed Secret
# wraps these inputs in Output.secret and lists them as additional secret outputs.
SECRET_FIELDS = ("data", "stringData")
SECRET_KIND = ("v1", "Secret")
# The provider version every typed class and CustomResource sends (`ResourceOptions.version`).
PROVIDER_VERSION = k8s_utilities.get_version()
# The outputs a workload's typed `.get` declares (apps/v1 Deployment.get): what a read returns.
WORKLOAD_FIELDS = ("apiVersion", "kind", "metadata", "spec", "status")


def type_token(api_version: str, kind: str) -> str:
    """`apps/v1` + `Deployment` -> `kubernetes:apps/v1:Deployment`; the core group is `core/v1`."""
    return f"kubernetes:{api_version if '/' in api_version else 'core/' + api_version}:{kind}"


def register(name: str, manifest: Any, opts: pulumi.ResourceOptions | None = None) -> pulumi.CustomResource:
    """Registers a manifest dict as a resource of its kind's type token; its fields are the inputs.

    `manifest` may be a dict whose values are Outputs (`split`): apiVersion and kind must be plain.
    The resource's outputs are its top-level fields (`namespace.metadata["name"]`).
    """
    api_version, kind = str(manifest["apiVersion"]), str(manifest["kind"])
    props = dict(manifest)
    options = pulumi.ResourceOptions.merge(pulumi.ResourceOptions(version=PROVIDER_VERSION), opts)
    if (api_version, kind) == SECRET_KIND:
        props.update({f: pulumi.Output.secret(props[f]) for f in SECRET_FIELDS if props.get(f) is not None})
        secret_outputs = pulumi.ResourceOptions(additional_secret_outputs=list(SECRET_FIELDS))
        options = pulumi.ResourceOptions.merge(options, secret_outputs)
    return pulumi.CustomResource(
        type_token(api_version, kind), name, props, _with_typed_aliases(options, api_version, kind)
    )


def read(
    name: str, api_version: str, kind: str, object_id: pulumi.Input[str], opts: pulumi.ResourceOptions | None = None
) -> pulumi.CustomResource:
    """Reads the live object `object_id` ("namespace/name") as the typed class's `.get` does: a read step,
    which the engine never changes or deletes. Its outputs are the object's top-level fields as dicts
    (`live.spec["replicas"]`), WORKLOAD_FIELDS for the workload kinds greenlight reads."""
    defaults = pulumi.ResourceOptions(version=PROVIDER_VERSION)
    options = pulumi.ResourceOptions.merge(
        defaults, pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(id=object_id))
    )
    props = dict.fromkeys(WORKLOAD_FIELDS)
    return pulumi.CustomResource(
        type_token(api_version, kind), name, props, _with_typed_aliases(options, api_version, kind)
    )


def _with_typed_aliases(options: pulumi.ResourceOptions, api_version: str, kind: str) -> pulumi.ResourceOptions:
    """The aliases the kind's typed class adds, merged last, as it merges them after the caller's options."""
    old_types = typed_aliases(api_version, kind)
    if not old_types:
        return options
    aliases = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=t) for t in old_types])
    return pulumi.ResourceOptions.merge(options, aliases)


def chart(
    name: str,
    source: ChartSource,
    release: str,
    namespace: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    skip_crds: bool | None = None,
) -> Chart:
    """A helm.v4.Chart: every object of the chart becomes its own resource (seen by the policy pack)."""
    return Chart(
        name,
        name=release,
        chart=source.chart,
        version=source.version,
        namespace=namespace,
        repository_opts={"repo": source.repository},
        values=values,
        skip_crds=skip_crds,
        opts=opts,
    )


def child_opts(
    parent: pulumi.Resource, after: Sequence[pulumi.Resource | None] = (), **extra: Any
) -> pulumi.ResourceOptions:
    """Parent + ordering: a child waits for `after` (None entries are skipped) and takes `extra` options."""
    return pulumi.ResourceOptions(parent=parent, depends_on=[r for r in after if r is not None], **extra)


def split(manifest: pulumi.Output[dict[str, Any]], api_version: str, kind: str) -> dict[str, Any]:
    """An Output of a manifest -> a manifest dict of Outputs, for `register` (kind known up front)."""
    return {
        "apiVersion": api_version,
        "kind": kind,
        "metadata": manifest.apply(lambda m: m["metadata"]),
        "spec": manifest.apply(lambda m: m["spec"]),
    }
