"""DatabaseWALArchivingFailing against a real PostgreSQL whose archive_command fails, then succeeds.

The series come from CloudNativePG's own `pg_stat_archiver` query run once a second against a real
PostgreSQL 15 (archive_mode on): first with an archive_command that fails (as the plugin's does with an
expired key), then with one that succeeds. promtool evaluates the stack's real rule over exactly those
samples, with `for` scaled down (as alerting.forScale scales it) to fit the seconds the test runs.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.rules.mixin import rule_groups
from components.rules.model import scale_duration
from tests.support.postgres import PostgresServer
from tests.support.stacks import stack_app
from tests.support.tools import require_tool

# The columns the rule reads, computed as CloudNativePG's default monitoring query `pg_stat_archiver`
# computes them (cloudnative-pg v1.30.0 config/manager/default-monitoring.yaml; the cloudnative-pg
# chart installs the same query): epochs, -1 when PostgreSQL has none.
CNPG_PG_STAT_ARCHIVER = """
SELECT archived_count
  , failed_count
  , COALESCE(EXTRACT(EPOCH FROM last_archived_time), -1) AS last_archived_time
  , COALESCE(EXTRACT(EPOCH FROM last_failed_time), -1) AS last_failed_time
FROM pg_catalog.pg_stat_archiver
"""
COLUMNS = ("archived_count", "failed_count", "last_archived_time", "last_failed_time")
TARGET = 'job="database", namespace="greenlight-prod", pod="web-db-1", instance="10.0.1.5:9187"'
FOR_SCALE = 0.01  # DatabaseWALArchivingFailing's 5m `for` becomes 3s
FAILING_SECONDS, HEALTHY_SECONDS = 6, 3
WAIT_SECONDS = 30


def _sample(pg: PostgresServer) -> dict[str, float]:
    [row] = pg.execute(CNPG_PG_STAT_ARCHIVER)
    return {name: float(value) for name, value in zip(COLUMNS, row, strict=True)}  # type: ignore[arg-type]


def _every_second(pg: PostgresServer, seconds: int) -> list[dict[str, float]]:
    samples = []
    for _ in range(seconds):
        samples.append(_sample(pg))
        time.sleep(1)
    return samples


def _wait_for(pg: PostgresServer, column: str) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while _sample(pg)[column] < 1:
        assert time.monotonic() < deadline, f"PostgreSQL's archiver reported no {column} in {WAIT_SECONDS}s"
        time.sleep(0.2)


@pytest.fixture(scope="module")
def archiver_samples() -> Iterator[tuple[list[dict[str, float]], list[dict[str, float]]]]:
    """(failing, healthy) samples, one a second, of a real archiver; failing starts with the scrape
    before the first failure, so the failure counter's rise is inside the samples whatever the timing."""
    with PostgresServer.create() as pg:
        pg.execute("ALTER SYSTEM SET archive_mode = 'on'")
        pg.execute("ALTER SYSTEM SET archive_command = 'false'")  # every archive attempt fails
        pg.stop()
        pg.start()
        before = _sample(pg)
        pg.execute("CREATE TABLE writes AS SELECT generate_series(1, 10000) AS n")
        pg.execute("SELECT pg_switch_wal()")
        _wait_for(pg, "failed_count")
        failing = [before, *_every_second(pg, FAILING_SECONDS)]
        pg.execute("ALTER SYSTEM SET archive_command = 'true'")  # the key is fixed: archiving succeeds
        pg.execute("SELECT pg_reload_conf()")
        _wait_for(pg, "archived_count")
        healthy = _every_second(pg, HEALTHY_SECONDS)
        yield failing, healthy


def test_a_failing_archiver_reports_its_last_failure_after_its_last_success(
    archiver_samples: tuple[list[dict[str, float]], list[dict[str, float]]],
) -> None:
    [before, *failing], healthy = archiver_samples
    assert before == {"archived_count": 0, "failed_count": 0, "last_archived_time": -1, "last_failed_time": -1}
    assert all(s["failed_count"] >= 1 and s["last_failed_time"] > s["last_archived_time"] for s in failing)
    assert failing[0]["last_archived_time"] == -1  # "never" is -1, below any failure time
    assert all(s["last_archived_time"] > s["last_failed_time"] for s in healthy)
    assert healthy[-1]["failed_count"] == healthy[0]["failed_count"]  # no failure once the command works


def _series(samples: list[dict[str, float]]) -> list[dict[str, str]]:
    return [
        {"series": f"cnpg_pg_stat_archiver_{column}{{{TARGET}}}", "values": " ".join(f"{s[column]:g}" for s in samples)}
        for column in COLUMNS
    ]


def _backup_rules() -> dict[str, Any]:
    """The prod stack's backup group, `for` scaled as alerting.forScale scales it (refused in prod itself)."""
    [group] = [g for g in rule_groups(stack_app("prod")) if g["name"] == "web.backups"]
    rules = [
        {**{k: v for k, v in r.items() if k != "annotations"}, "for": scale_duration(r["for"], FOR_SCALE)}
        for r in group["rules"]
    ]
    return {"groups": [{**group, "rules": rules}]}


def test_the_alert_fires_on_the_real_failure_and_clears_once_archiving_works(
    archiver_samples: tuple[list[dict[str, float]], list[dict[str, float]]], tmp_path: Path
) -> None:
    promtool = require_tool("promtool")
    failing, healthy = archiver_samples
    # the target's labels, and the routing labels the rule sets (cnpg_cluster, as DatabaseDown's)
    labels = {"job": "database", "namespace": "greenlight-prod", "pod": "web-db-1", "instance": "10.0.1.5:9187"}
    labels["cnpg_cluster"] = "web-db"
    last_failing, last_healthy = len(failing) - 1, len(failing) + len(healthy) - 1
    alert = "DatabaseWALArchivingFailing"
    unit = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1s",
        "tests": [
            {
                "interval": "1s",
                "input_series": _series([*failing, *healthy]),
                "alert_rule_test": [
                    {"eval_time": "3s", "alertname": alert, "exp_alerts": []},  # failing since 1s: pending
                    {
                        "eval_time": f"{last_failing}s",
                        "alertname": alert,
                        "exp_alerts": [{"exp_labels": {**labels, "severity": "critical"}}],
                    },
                    {"eval_time": f"{last_healthy}s", "alertname": alert, "exp_alerts": []},
                ],
            }
        ],
    }
    (tmp_path / "rules.yaml").write_text(yaml.safe_dump(_backup_rules()))
    (tmp_path / "archiving.test.yaml").write_text(yaml.safe_dump(unit))
    result = subprocess.run(
        [promtool, "test", "rules", str(tmp_path / "archiving.test.yaml")],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
