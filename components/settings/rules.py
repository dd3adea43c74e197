"""Rules across settings that no single field can check: prod minimums and required pairs.

Each rule returns problems in the same shape as field errors: key, value, what is allowed.
"""

from __future__ import annotations

from datetime import datetime

from components.settings import consistency
from components.settings.grammar import cpu_millicores, duration_seconds, memory_bytes
from components.settings.model import Resources, Settings
from components.settings.model.release import MAX_CANARY_TOTAL_PAUSE_SECONDS
from components.settings.problems import missing, problem, required

# Prod minimums from the production-readiness checklist (DESIGN.md).
PROD_MIN_REPLICAS = 2
# The longest window an alert reads: the SRE workbook's 3d/6h slow-burn pair (components/rules/slo.py,
# BURN_RATE_PAIRS; tests/components/settings keeps the two equal). Prometheus must keep that much data.
LONGEST_SLO_WINDOW = "3d"


def _resources(key: str, res: Resources) -> list[str]:
    problems = []
    # Malformed quantities count as 0 here; their field checks have reported them already.
    if cpu_millicores(res.cpu_request) > cpu_millicores(res.cpu_limit):
        problems.append(problem(f"{key}.cpuRequest", res.cpu_request, f"at most cpuLimit ({res.cpu_limit})"))
    if memory_bytes(res.memory_request) > memory_bytes(res.memory_limit):
        problems.append(
            problem(f"{key}.memoryRequest", res.memory_request, f"at most memoryLimit ({res.memory_limit})")
        )
    return problems


def _images(s: Settings) -> list[str]:
    problems = []
    keyed = (
        {"app.image": s.app.image}
        if s.release.strategy == "rolling"
        else {
            "release.blue.image": s.release.blue.image,
            "release.green.image": s.release.green.image,
        }
    )
    for key, image in keyed.items():
        if image == "":
            problems.append(required(key, "an image reference pinned by digest, or 'build'"))
        elif image.rsplit("/", 1)[-1].split("@")[0].endswith(":latest"):
            problems.append(problem(key, image, "an immutable reference; 'latest' is a mutable tag"))
        elif image != "build" and ":" not in image.rsplit("/", 1)[-1] and "@" not in image:
            problems.append(problem(key, image, "an immutable reference with a tag or digest (no tag means 'latest')"))
        elif s.is_prod and image != "build" and "@sha256:" not in image:
            problems.append(problem(key, image, "in prod, an image pinned by digest (name@sha256:<digest>) or 'build'"))
    return problems


def _prod_minimums(s: Settings) -> list[str]:
    if not s.is_prod:
        return []
    problems = []
    if not s.app.autoscaling.enabled and s.app.replicas < PROD_MIN_REPLICAS:
        problems.append(problem("app.replicas", s.app.replicas, f"at least {PROD_MIN_REPLICAS} in prod"))
    if s.app.autoscaling.enabled and s.app.autoscaling.min_replicas < PROD_MIN_REPLICAS:
        problems.append(
            problem(
                "app.autoscaling.minReplicas", s.app.autoscaling.min_replicas, f"at least {PROD_MIN_REPLICAS} in prod"
            )
        )
    if not s.cluster.context:
        allowed = "the kubeconfig context of the prod cluster; prod never uses whichever is current"
        problems.append(required("cluster.context", allowed))
    if not s.monitoring.enabled:
        problems.append(problem("monitoring.enabled", False, "true in prod (monitoring and alerting are required)"))
    if s.pagerduty_routing_key is None:
        problems.append(missing("pagerdutyRoutingKey", "critical alerts page someone"))
    if s.database.enabled and not s.database.backup.enabled:
        problems.append(problem("database.backup.enabled", False, "true in prod (backup and disaster recovery)"))
    if s.release.scale_down_idle:
        # The prod policy pack refuses it too (rollback-plan): a rollback would wait for pods to start.
        problems.append(
            problem(
                "release.scaleDownIdle",
                True,
                "false in prod (a rollback must find the previous color running; use it in dev or staging)",
            )
        )
    return problems


def _pairs(s: Settings) -> list[str]:
    problems = []
    a = s.app.autoscaling
    if a.min_replicas > a.max_replicas:
        problems.append(
            problem("app.autoscaling.minReplicas", a.min_replicas, f"at most maxReplicas ({a.max_replicas})")
        )
    if s.app.ingress.enabled and not s.app.ingress.host:
        problems.append(required("app.ingress.host", "a DNS name when ingress.enabled is true"))
    if s.monitoring.enabled and s.grafana_admin_password is None:
        problems.append(missing("grafanaAdminPassword", "required when monitoring is enabled"))
    if s.monitoring.enabled and s.monitoring.loki_storage == "s3":
        if not s.monitoring.loki_bucket:
            problems.append(required("monitoring.lokiBucket", "a bucket name when lokiStorage is s3"))
        if s.loki_secret_access_key is None:
            problems.append(missing("lokiSecretAccessKey", "required when lokiStorage is s3"))
    b = s.database.backup
    if s.database.enabled and b.enabled:
        if not b.destination_path:
            problems.append(required("database.backup.destinationPath", "an s3://bucket/path when backup is enabled"))
        elif not b.destination_path.startswith("s3://"):
            problems.append(
                problem(
                    "database.backup.destinationPath",
                    b.destination_path,
                    "an s3://bucket/path (required when backup is enabled)",
                )
            )
        if s.backup_secret_access_key is None:
            problems.append(missing("backupSecretAccessKey", "required when backup is enabled"))
    if s.database.enabled and s.database.restore.enabled and not s.database.restore.source_cluster:
        problems.append(
            required("database.restore.sourceCluster", "the cluster to restore from when restore is enabled")
        )
    if s.builds_image and not s.image.username:
        problems.append(required("image.username", "a registry user when an image is 'build'"))
    if s.builds_image and s.registry_password is None:
        problems.append(missing("registryPassword", "required when an image is 'build'"))
    gate = s.release.gate
    if gate.min_requests > gate.sample_requests:
        problems.append(
            problem("release.gate.minRequests", gate.min_requests, f"at most sampleRequests ({gate.sample_requests})")
        )
    if s.release.strategy != "canary" and s.release.canary_weight:
        problems.append(problem("release.canaryWeight", s.release.canary_weight, "0 unless strategy is canary"))
    return problems


def _canary(s: Settings) -> list[str]:
    """A canary's steps are judged on the real traffic Prometheus counted, within the release job's time."""
    canary = s.release.canary
    if s.release.strategy != "canary":
        return []
    problems = []
    total = len(canary.steps) * (duration_seconds(canary.pause) or 0)
    if total > MAX_CANARY_TOTAL_PAUSE_SECONDS:
        allowed = (
            f"at most {MAX_CANARY_TOTAL_PAUSE_SECONDS // 60} minutes of pauses in all ({len(canary.steps)} steps "
            f"x {canary.pause}); fewer steps or a shorter pause, so the release job can finish"
        )
        problems.append(problem("release.canary.pause", canary.pause, allowed))
    if s.release.gate.enabled and not s.monitoring.enabled:
        allowed = (
            "true when release.strategy is canary and release.gate.enabled is true (each canary step is judged "
            "on the real traffic Prometheus counted); or turn the gate off and judge the steps yourself"
        )
        problems.append(problem("monitoring.enabled", False, allowed))
    return problems


def _monitoring(s: Settings) -> list[str]:
    """Prometheus keeps at least the data the longest SLO window reads, or the 3d burn alert sees less."""
    retention = s.monitoring.retention
    # A malformed retention counts as 0 here; its field check has reported it already.
    if not s.monitoring.enabled or (duration_seconds(retention) or 0) >= (duration_seconds(LONGEST_SLO_WINDOW) or 0):
        return []
    allowed = (
        f"at least {LONGEST_SLO_WINDOW}, the longest SLO window (ErrorBudgetBurnSlow reads "
        f"{LONGEST_SLO_WINDOW} of data; a shorter retention makes it judge less than it says)"
    )
    return [problem("monitoring.retention", retention, allowed)]


def _database(s: Settings) -> list[str]:
    """What the database and a restore need (CloudNativePG recovery reads the source's backups)."""
    db = s.database
    if not db.enabled:
        return []
    problems = []
    if s.database_password is None:
        problems.append(missing("databasePassword", "required when database is enabled"))
    if not db.restore.enabled:
        return problems
    if not db.backup.destination_path.startswith("s3://"):
        problems.append(
            problem(
                "database.backup.destinationPath",
                db.backup.destination_path,
                "the s3://bucket/path holding the source cluster's backups (required when restore is enabled)",
            )
        )
    if s.backup_secret_access_key is None:
        problems.append(missing("backupSecretAccessKey", "required when restore is enabled"))
    if db.restore.target_time and not _is_rfc3339_with_zone(db.restore.target_time):
        problems.append(
            problem(
                "database.restore.targetTime",
                db.restore.target_time,
                "an RFC 3339 time with a zone, such as 2026-11-26T09:30:00Z",
            )
        )
    return problems


def _is_rfc3339_with_zone(text: str) -> bool:
    try:
        return datetime.fromisoformat(text).tzinfo is not None
    except ValueError:
        return False


def check(s: Settings, given: frozenset[str] = frozenset()) -> list[str]:
    """Every cross-field problem; `given` holds the dotted keys the stack file set explicitly."""
    return [
        *_resources("app.resources", s.app.resources),
        *_resources("database.resources", s.database.resources),
        *_images(s),
        *_prod_minimums(s),
        *_pairs(s),
        *_canary(s),
        *_monitoring(s),
        *_database(s),
        *consistency.check(s, given),
    ]
