"""Pass and fail cases of the workload policies (containers, pods, images, secrets)."""

from __future__ import annotations

from tests.support.policy_edits import (
    UNKNOWN,
    Case,
    add,
    as_kind,
    literal_env,
    on_container,
    on_pod,
    pod_of_cron,
    sidecar,
)
from tests.support.policy_fixtures import (
    changed,
    compliant,
)

WORKLOAD_CASES: dict[str, list[Case]] = {
    "container-resources": [
        *[
            Case(
                f"{kind} without resources",
                lambda kind=kind: changed(add("x", as_kind(kind))),
                True,
                where="x",
                text="set resources requests.cpu",
            )
            for kind in (
                "Deployment",
                "StatefulSet",
                "DaemonSet",
                "Job",
                "CronJob",
                "Pod",
                "ReplicaSet",
                "ReplicationController",
            )
        ],
        Case(
            "limits.memory missing",
            lambda: changed(on_container(lambda c: c["resources"]["limits"].pop("memory"))),
            True,
            where="blue",
            text="limits.memory",
        ),
    ],
    "container-probes": [
        Case(
            "no readiness probe",
            lambda: changed(on_container(lambda c: c.pop("readinessProbe"))),
            True,
            where="blue",
            text="add readinessProbe",
        ),
        Case("a Job needs none (the fixture's migration Job)", compliant, False),
        Case(
            "a native sidecar (init container, restartPolicy Always) without probes",
            lambda: changed(on_pod(lambda p: p.setdefault("initContainers", []).append(sidecar()))),
            True,
            where="blue",
            text="container proxy: add livenessProbe and readinessProbe",
        ),
    ],
    "image-pinned": [
        Case(
            "latest",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:latest"))),
            True,
            where="blue",
            text="mutable tag 'latest'",
        ),
        Case(
            "no tag",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "nginx"))),
            True,
            env="dev",
            where="blue",
            text="has no tag",
        ),
        Case(
            "tag without digest in prod",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2"))),
            True,
            where="blue",
            text="not pinned by digest",
        ),
        Case(
            "a digest mark without a digest pins nothing",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2@sha256:"))),
            True,
            where="blue",
            text="not pinned by digest",
        ),
        Case(
            "tag without digest is enough in dev",
            lambda: changed(on_container(lambda c: c.__setitem__("image", "ghcr.io/acme/web:1.4.2"))),
            False,
            env="dev",
        ),
    ],
    "run-as-non-root": [
        Case(
            "runAsNonRoot unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("runAsNonRoot"))),
            True,
            where="blue",
            text="runAsNonRoot: true",
        ),
        Case(
            "container runs as UID 0",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("runAsUser", 0))),
            True,
            where="blue",
            text="runAsUser is 0",
        ),
    ],
    "run-as-high-uid": [
        Case(
            "a UID computed during the update is judged later, not a crash",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("runAsUser", UNKNOWN))),
            False,
        ),
        Case(
            "UID 1000",
            lambda: changed(on_pod(lambda p: p["securityContext"].__setitem__("runAsUser", 1000))),
            True,
            where="blue",
            text="below 10000",
        ),
        Case(
            "UID unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("runAsUser"))),
            True,
            where="blue",
            text="set securityContext.runAsUser",
        ),
    ],
    "read-only-root-filesystem": [
        Case(
            "writable root",
            lambda: changed(on_container(lambda c: c["securityContext"].pop("readOnlyRootFilesystem"))),
            True,
            where="blue",
            text="readOnlyRootFilesystem: true",
        ),
    ],
    "no-privilege-escalation": [
        Case(
            "escalation allowed",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("allowPrivilegeEscalation", True))),
            True,
            where="blue",
            text="allowPrivilegeEscalation: false",
        ),
        Case(
            "privileged",
            lambda: changed(on_container(lambda c: c["securityContext"].__setitem__("privileged", True))),
            True,
            where="blue",
            text="privileged",
        ),
    ],
    "drop-all-capabilities": [
        Case(
            "nothing dropped",
            lambda: changed(on_container(lambda c: c["securityContext"].pop("capabilities"))),
            True,
            where="blue",
            text="drop: [ALL]",
        ),
        Case(
            "NET_ADMIN added",
            lambda: changed(
                on_container(lambda c: c["securityContext"]["capabilities"].__setitem__("add", ["NET_ADMIN"]))
            ),
            True,
            where="blue",
            text="NET_ADMIN",
        ),
        Case(
            "NET_BIND_SERVICE may be added",
            lambda: changed(
                on_container(lambda c: c["securityContext"]["capabilities"].__setitem__("add", ["NET_BIND_SERVICE"]))
            ),
            False,
        ),
    ],
    "seccomp-profile": [
        Case(
            "unset",
            lambda: changed(on_pod(lambda p: p["securityContext"].pop("seccompProfile"))),
            True,
            where="blue",
            text="RuntimeDefault",
        ),
        Case(
            "Unconfined on the container",
            lambda: changed(
                on_container(lambda c: c["securityContext"].__setitem__("seccompProfile", {"type": "Unconfined"}))
            ),
            True,
            where="blue",
        ),
    ],
    "no-host-namespaces": [
        Case(
            "hostNetwork",
            lambda: changed(on_pod(lambda p: p.__setitem__("hostNetwork", True))),
            True,
            where="blue",
            text="remove hostNetwork",
        ),
        Case(
            "hostPID on a CronJob",
            lambda: changed(add("x", as_kind("CronJob")), lambda s: pod_of_cron(s).__setitem__("hostPID", True)),
            True,
            where="x",
            text="hostPID",
        ),
    ],
    "no-host-path-volumes": [
        Case(
            "hostPath",
            lambda: changed(
                on_pod(
                    lambda p: p.__setitem__(
                        "volumes", [{"name": "docker", "hostPath": {"path": "/var/run/docker.sock"}}]
                    )
                )
            ),
            True,
            where="blue",
            text="/var/run/docker.sock",
        ),
    ],
    "no-literal-secret-env": [
        Case(
            "DB_PASSWORD literal",
            lambda: changed(on_container(literal_env("DB_PASSWORD", "hunter2"))),
            True,
            where="blue",
            text="DB_PASSWORD",
        ),
        Case(
            "api_key literal (any case)",
            lambda: changed(on_container(literal_env("api_key", "abc"))),
            True,
            where="blue",
        ),
        Case(
            "a password inside a literal URL",
            lambda: changed(on_container(literal_env("DATABASE_URL", "postgres://app:hunter2@db:5432/app"))),
            True,
            where="blue",
            text="env DATABASE_URL holds a literal credential",
        ),
        Case(
            "a URL whose password is expanded from a secretKeyRef variable",
            lambda: changed(on_container(literal_env("DATABASE_URL", "postgres://app:$(DB_PASSWORD)@db:5432/app"))),
            False,
        ),
        Case(
            "the name of a Secret is not a secret",
            lambda: changed(on_container(literal_env("TLS_SECRET_NAME", "web-tls"))),
            False,
        ),
        Case(
            "a *_FILE path is not a secret",
            lambda: changed(on_container(literal_env("DB_PASSWORD_FILE", "/run/secrets/db"))),
            False,
        ),
    ],
}
