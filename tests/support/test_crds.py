"""The CRD judge fails where the API server would prune or reject: it is not a rubber stamp."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from components.objects import barman_cloud, database
from tests.support.crds import violations
from tests.support.stacks import stack_app


def _prod(kind: str) -> dict[str, Any]:
    spec = stack_app("prod")
    built = {
        "Cluster": database.build_cluster,
        "ObjectStore": database.build_object_store,
        "ScheduledBackup": database.build_scheduled_backup,
    }
    return copy.deepcopy(built[kind](spec))


@pytest.mark.parametrize(
    ("kind", "path", "value", "reported"),
    [
        ("Cluster", ("spec", "monitoring"), {"enablePodMonitr": True}, "spec.monitoring: Additional properties"),
        ("Cluster", ("spec", "plugin"), [{"name": barman_cloud.PLUGIN_NAME}], "spec: Additional properties"),
        ("ScheduledBackup", ("spec", "method"), "plugins", "spec.method: 'plugins' is not one of"),
        ("ObjectStore", ("spec", "retentionPolicy"), "0d", "spec.retentionPolicy: '0d' does not match"),
        ("ObjectStore", ("spec", "configuration", "wal", "compresion"), "gzip", "spec.configuration.wal: Additional"),
    ],
)
def test_a_misspelt_or_invalid_field_is_reported_with_its_path(
    kind: str, path: tuple[str, ...], value: Any, reported: str
) -> None:
    obj = _prod(kind)
    assert violations(obj) == []
    cursor = obj
    for key in path[:-1]:
        cursor = cursor[key]
    cursor[path[-1]] = value
    [problem] = violations(obj)
    assert problem.startswith(reported), problem


def test_a_kind_no_upstream_crd_defines_is_an_error_not_a_pass() -> None:
    with pytest.raises(AssertionError, match="no CRD"):
        violations({"apiVersion": "example.dev/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}})
