"""docs/runbooks/restore.md walks a point-in-time restore that the stack really renders.

Step 4's `pulumi config set` commands are run (as `--config` overrides of the offline preview) and the
file and fields the runbook tells the operator to read are looked up in that render; the URN step 5
greps for, and the status field step 2 reads, must exist too. A runbook that drifts from the code
(a renamed field, a moved file, a changed URN) fails here instead of in an incident.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

import yaml

from tests.support.crds import crds_dir
from tests.support.preview import ROOT, Preview, preview

RUNBOOK = (ROOT / "docs" / "runbooks" / "restore.md").read_text()
CONFIG_SET = re.compile(r"pulumi config set --path (greenlight:\S+) (\S+)")
RENDERED_FILE = re.compile(r"`build/restore/(manifests/\S+\.yaml)`")
# What step 4 tells the operator to read in the rendered Cluster: the runbook's words, then the field.
STEP_4_CLAIMS = (
    ("`bootstrap.recovery.source: web-db`", ("bootstrap", "recovery", "source"), "web-db"),
    ("`externalClusters[0]`: `name: web-db`", ("externalClusters", 0, "name"), "web-db"),
    ("`plugin.name: barman-cloud.cloudnative-pg.io`", ("externalClusters", 0, "plugin", "name"),
     "barman-cloud.cloudnative-pg.io"),
    ("`plugin.parameters.barmanObjectName: web-db-backups`",
     ("externalClusters", 0, "plugin", "parameters", "barmanObjectName"), "web-db-backups"),
    ("`serverName: web-db` (your source)", ("externalClusters", 0, "plugin", "parameters", "serverName"), "web-db"),
)  # fmt: skip


def dig(value: Any, path: tuple[str | int, ...]) -> Any:
    for key in path:
        value = value[key]
    return value


@cache
def restored() -> tuple[Preview, dict[str, Any]]:
    overrides = [f"{key}={value}" for key, value in CONFIG_SET.findall(RUNBOOK)]
    assert overrides, "the runbook sets no restore settings"
    p = preview("prod", *overrides)
    [rendered] = RENDERED_FILE.findall(RUNBOOK)
    return p, yaml.safe_load((p.out / rendered).read_text())


def test_step_4_sets_a_point_in_time_restore() -> None:
    settings = dict(CONFIG_SET.findall(RUNBOOK))
    assert settings["greenlight:database.restore.enabled"] == "true"
    assert settings["greenlight:database.restore.sourceCluster"] == "web-db"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", settings["greenlight:database.restore.targetTime"])


def test_the_rendered_cluster_says_what_step_4_says() -> None:
    _, cluster = restored()
    spec = cluster["spec"]
    assert cluster["kind"] == "Cluster" and cluster["metadata"]["name"] == "web-db"
    for words, path, expected in STEP_4_CLAIMS:
        assert words in RUNBOOK, f"the runbook no longer says {words}"
        assert dig(spec, path) == expected, f"{words}: the render has {dig(spec, path)!r}"
    target = dict(CONFIG_SET.findall(RUNBOOK))["greenlight:database.restore.targetTime"]
    assert "`recoveryTarget.targetTime` your point in time" in RUNBOOK
    assert spec["bootstrap"]["recovery"]["recoveryTarget"] == {"targetTime": target}
    # "the new folder the restored cluster archives to (never the source)"
    assert "`plugins[0].parameters.serverName: web-db-restore-<hash>`" in RUNBOOK
    assert re.fullmatch(r"web-db-restore-[0-9a-f]+", spec["plugins"][0]["parameters"]["serverName"])


def test_step_5_finds_the_clusters_urn_with_its_grep() -> None:
    p, _ = restored()
    [pattern] = re.findall(r"grep '([^']+)'", RUNBOOK)
    clusters = [r.urn for r in p.resources if r.type == "kubernetes:postgresql.cnpg.io/v1:Cluster"]
    assert [urn for urn in clusters if pattern in urn] == clusters and len(clusters) == 1


def test_step_2_reads_a_status_field_the_object_store_has() -> None:
    assert "{.status.serverRecoveryWindow}" in RUNBOOK and "`firstRecoverabilityPoint`" in RUNBOOK
    crd = yaml.safe_load((crds_dir() / "barmancloud.cnpg.io_objectstores.yaml").read_text())
    [version] = [v for v in crd["spec"]["versions"] if v["name"] == "v1"]
    window = version["schema"]["openAPIV3Schema"]["properties"]["status"]["properties"]["serverRecoveryWindow"]
    assert "firstRecoverabilityPoint" in window["additionalProperties"]["properties"]
