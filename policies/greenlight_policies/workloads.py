"""Rules over every workload kind's pod spec: resources, probes, images, security, secrets in env.
Host access (namespaces, ports, paths) has its own module, host.py.

Each rule is written once over WORKLOAD_KINDS (kube.workload finds the pod spec per kind) and yields
one imperative message per finding, naming the container.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import Any

from pulumi_policy import Severity

from greenlight_policies.credentials import is_plaintext_credential
from greenlight_policies.kube import Workload, is_unknown
from greenlight_policies.registry import ENVIRONMENT_PROPERTY, Meta, is_prod, workload_policy

RESOURCE_FIELDS = (("requests", "cpu"), ("requests", "memory"), ("limits", "cpu"), ("limits", "memory"))
PROBES = ("livenessProbe", "readinessProbe")
MUTABLE_TAGS = ("latest",)
# A digest reference ends in @sha256:<64 hex> (OCI image spec, descriptor digests); "@sha256:" alone pins nothing.
DIGEST = re.compile(r"@sha256:[0-9a-f]{64}$")
# UIDs below 10000 may collide with host users; kube-score and Polaris use the same threshold.
MIN_UID = 10000
SECCOMP_CONFINED = ("RuntimeDefault", "Localhost")
ALLOWED_ADDED_CAPABILITIES = ("NET_BIND_SERVICE",)  # the one capability Pod Security "restricted" allows
SIDECAR_RESTART_POLICY = "Always"  # an init container with restartPolicy Always is a native sidecar (1.29+)


def _where(w: Workload, container: Mapping[str, Any]) -> str:
    return f"{w.kind} {w.name}, container {container.get('name', '?')}"


def _effective(w: Workload, container: Mapping[str, Any], key: str) -> Any:
    """A container securityContext field, falling back to the pod's (as the kubelet does)."""
    own = (container.get("securityContext") or {}).get(key)
    return own if own is not None else (w.pod_spec.get("securityContext") or {}).get(key)


# -- resources and probes -------------------------------------------------------------------------


def missing_resources(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        resources = c.get("resources") or {}
        missing = [f"{kind}.{res}" for kind, res in RESOURCE_FIELDS if not (resources.get(kind) or {}).get(res)]
        if missing:
            yield f"{_where(w, c)}: set resources {', '.join(missing)}."


def missing_probes(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    if not w.long_running:
        return
    init = w.pod_spec.get("initContainers") or []
    sidecars = [c for c in init if isinstance(c, dict) and c.get("restartPolicy") == SIDECAR_RESTART_POLICY]
    for c in [*sidecars, *w.containers(include_init=False)]:
        missing = [p for p in PROBES if not c.get(p)]
        if missing:
            yield f"{_where(w, c)}: add {' and '.join(missing)} (long-running containers need both)."


# -- images -----------------------------------------------------------------------------------------


def image_tag(image: str) -> str:
    """The tag of `registry:5000/repo:tag@sha256:..`, "" when there is none."""
    last = image.split("@", 1)[0].rsplit("/", 1)[-1]
    return last.split(":", 1)[1] if ":" in last else ""


def unpinned_images(w: Workload, config: Mapping[str, Any]) -> Iterator[str]:
    prod = is_prod(config)
    for c in w.containers():
        image = str(c.get("image") or "")
        if is_unknown(image):
            continue  # built by this update: checked again once the digest is known
        tag, digest = image_tag(image), bool(DIGEST.search(image))
        if tag in MUTABLE_TAGS:
            yield f"{_where(w, c)}: image {image} uses the mutable tag '{tag}'; pin a version and digest."
        elif not tag and not digest:
            yield f"{_where(w, c)}: image {image!r} has no tag; pin a version (and a digest in prod)."
        elif prod and not digest:
            yield f"{_where(w, c)}: image {image} is not pinned by digest; use name:version@sha256:<digest> in prod."


# -- security context ------------------------------------------------------------------------------


def runs_as_root(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        if _effective(w, c, "runAsNonRoot") is not True:
            yield f"{_where(w, c)}: set securityContext.runAsNonRoot: true."
        elif _effective(w, c, "runAsUser") == 0:
            yield f"{_where(w, c)}: runAsUser is 0 (root); run as an unprivileged user."


def low_uid(w: Workload, config: Mapping[str, Any]) -> Iterator[str]:
    minimum = int(config.get("minUid", MIN_UID))
    for c in w.containers():
        uid = _effective(w, c, "runAsUser")
        if is_unknown(uid):
            continue  # computed during this update: judged once known
        if uid is None:
            yield f"{_where(w, c)}: set securityContext.runAsUser to a UID of at least {minimum}."
        elif int(uid) < minimum:  # numbers cross the protocol as doubles: show 100, not 100.0
            yield f"{_where(w, c)}: runAsUser {int(uid)} is below {minimum}; use a UID of at least {minimum}."


def writable_root(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        if (c.get("securityContext") or {}).get("readOnlyRootFilesystem") is not True:
            yield f"{_where(w, c)}: set securityContext.readOnlyRootFilesystem: true (mount an emptyDir for /tmp)."


def escalation_allowed(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        context = c.get("securityContext") or {}
        if context.get("privileged") is True:
            yield f"{_where(w, c)}: remove securityContext.privileged: true."
        elif context.get("allowPrivilegeEscalation") is not False:
            yield f"{_where(w, c)}: set securityContext.allowPrivilegeEscalation: false."


def capabilities_kept(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        capabilities = (c.get("securityContext") or {}).get("capabilities") or {}
        if "ALL" not in [str(x).upper() for x in capabilities.get("drop") or []]:
            yield f"{_where(w, c)}: set securityContext.capabilities.drop: [ALL]."
        added = [x for x in capabilities.get("add") or [] if str(x).upper() not in ALLOWED_ADDED_CAPABILITIES]
        if added:
            yield f"{_where(w, c)}: remove added capabilities {', '.join(map(str, added))}."


def seccomp_unset(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    for c in w.containers():
        profile = _effective(w, c, "seccompProfile") or {}
        if profile.get("type") not in SECCOMP_CONFINED:
            yield f"{_where(w, c)}: set securityContext.seccompProfile.type: RuntimeDefault (pod or container)."


# -- secrets (host access: host.py) -------------------------------------------------------------------


def literal_secret_env(w: Workload, _: Mapping[str, Any]) -> Iterator[str]:
    """credentials.py decides, the same rule the settings apply to app.env."""
    for c in w.containers():
        for env in c.get("env") or []:
            name, value = str(env.get("name", "")), env.get("value")
            if value in (None, "") or is_unknown(value):
                continue
            if is_plaintext_credential(name, str(value)):
                yield (
                    f"{_where(w, c)}: env {name} holds a literal credential; take it from valueFrom.secretKeyRef "
                    "(for a URL, the password as $(DB_PASSWORD) or the whole URL from a Secret)."
                )


POLICIES = [
    workload_policy(
        Meta(
            "container-resources",
            "Checks that every container sets CPU and memory requests and limits.",
            Severity.HIGH,
            "Set resources.requests.{cpu,memory} and resources.limits.{cpu,memory} on every "
            "container, init containers included (app.resources in the stack settings).",
        ),
        missing_resources,
    ),
    workload_policy(
        Meta(
            "container-probes",
            "Checks that long-running containers have liveness and readiness probes.",
            Severity.MEDIUM,
            "Add a livenessProbe (restart when stuck) and a readinessProbe (no traffic until "
            "ready) to each container of Deployments, StatefulSets, DaemonSets and Pods.",
        ),
        missing_probes,
    ),
    workload_policy(
        Meta(
            "image-pinned",
            "Checks that container images are pinned: a version tag, never latest, and a digest in prod.",
            Severity.HIGH,
            "Reference images as registry/name:version@sha256:<digest>; outside prod a fixed version tag is enough.",
            ENVIRONMENT_PROPERTY,
        ),
        unpinned_images,
    ),
    workload_policy(
        Meta(
            "run-as-non-root",
            "Checks that containers run as a non-root user.",
            Severity.HIGH,
            "Set securityContext.runAsNonRoot: true on the pod or container and never runAsUser: 0.",
        ),
        runs_as_root,
    ),
    workload_policy(
        Meta(
            "run-as-high-uid",
            "Checks that containers run with a UID of at least 10000.",
            Severity.MEDIUM,
            "Set securityContext.runAsUser (and runAsGroup) to 10000 or above so the UID cannot collide with "
            "a host user.",
            {"minUid": {"type": "integer", "minimum": 1, "default": MIN_UID, "description": "lowest allowed UID"}},
        ),
        low_uid,
    ),
    workload_policy(
        Meta(
            "read-only-root-filesystem",
            "Checks that containers mount their root filesystem read-only.",
            Severity.MEDIUM,
            "Set securityContext.readOnlyRootFilesystem: true and mount an emptyDir where "
            "the process must write (e.g. /tmp).",
        ),
        writable_root,
    ),
    workload_policy(
        Meta(
            "no-privilege-escalation",
            "Checks that containers are not privileged and cannot escalate privileges.",
            Severity.HIGH,
            "Set securityContext.allowPrivilegeEscalation: false and drop privileged: true.",
        ),
        escalation_allowed,
    ),
    workload_policy(
        Meta(
            "drop-all-capabilities",
            "Checks that containers drop all Linux capabilities.",
            Severity.MEDIUM,
            "Set securityContext.capabilities.drop: [ALL]; add back NET_BIND_SERVICE only if needed.",
        ),
        capabilities_kept,
    ),
    workload_policy(
        Meta(
            "seccomp-profile",
            "Checks that containers run under a seccomp profile.",
            Severity.MEDIUM,
            "Set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with a profile).",
        ),
        seccomp_unset,
    ),
    workload_policy(
        Meta(
            "no-literal-secret-env",
            "Checks that no environment variable holds a literal credential (its name names one, such as "
            "DB_PASSWORD or API_KEY, or its value is one, such as a URL with a password).",
            Severity.CRITICAL,
            "Store the value in a Kubernetes Secret (from a Pulumi secret) and reference it "
            "with env[].valueFrom.secretKeyRef; rotate the exposed value.",
        ),
        literal_secret_env,
    ),
]
