"""Edits for the access, host, exposure and budget cases: objects added to the compliant fixture stack."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.support.policy_edits import add
from tests.support.policy_fixtures import NAMESPACE, Spec, first_container, labels, meta, pod_of

Edit = Callable[[dict[str, Spec]], None]
APP_SELECTOR = {"matchLabels": {"app.kubernetes.io/name": "web"}}


def binding(kind: str, role_kind: str, role: str, *subjects: dict[str, str]) -> Edit:
    """A RoleBinding (in the app's namespace) or ClusterRoleBinding granting `role` to `subjects`."""
    metadata = meta("web-access", component="rbac")
    if kind == "ClusterRoleBinding":
        metadata.pop("namespace")
    inputs = {
        "metadata": metadata,
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": role_kind, "name": role},
        "subjects": list(subjects),
    }
    return add("binding", Spec(kind, inputs))


def account(name: str = "web", namespace: str = NAMESPACE) -> dict[str, str]:
    return {"kind": "ServiceAccount", "name": name, "namespace": namespace}


def role(kind: str, verbs: list[str], resources: list[str], name: str = "web-reader") -> Edit:
    metadata = meta(name, component="rbac")
    if kind == "ClusterRole":
        metadata.pop("namespace")
    rules = [{"apiGroups": [""], "resources": resources, "verbs": verbs}]
    return add("role", Spec(kind, {"metadata": metadata, "rules": rules}))


def service_account(automount: bool | None) -> Edit:
    inputs: dict[str, Any] = {"metadata": meta("web", component="identity")}
    if automount is not None:
        inputs["automountServiceAccountToken"] = automount
    return add("sa", Spec("ServiceAccount", inputs))


def runs_as(name: str, automount: Any = None) -> Edit:
    """The blue and green pods run as ServiceAccount `name`, their automount setting `automount` (None: unset)."""

    def change(specs: dict[str, Spec]) -> None:
        for track in ("blue", "green"):
            pod = pod_of(specs, track)
            pod["serviceAccountName"] = name
            pod.pop("automountServiceAccountToken")
            if automount is not None:
                pod["automountServiceAccountToken"] = automount

    return change


def config_map(data: dict[str, str], namespace: str = NAMESPACE) -> Edit:
    return add("config", Spec("ConfigMap", {"metadata": {**meta("web-config"), "namespace": namespace}, "data": data}))


def env_from(prefix: str = "") -> Edit:
    def change(specs: dict[str, Spec]) -> None:
        source: dict[str, Any] = {"configMapRef": {"name": "web-config"}}
        if prefix:
            source["prefix"] = prefix
        first_container(specs).setdefault("envFrom", []).append(source)

    return change


def env_from_key(variable: str, key: str) -> Edit:
    ref = {"configMapKeyRef": {"name": "web-config", "key": key}}
    return lambda specs: first_container(specs)["env"].append({"name": variable, "valueFrom": ref})


def persistent_volume(source: dict[str, Any], claim_ref: str = "", extra_labels: dict[str, str] | None = None) -> Edit:
    metadata = {"name": "assets-pv", "labels": labels(component="storage", **(extra_labels or {}))}
    spec: dict[str, Any] = {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadOnlyMany"], **source}
    if claim_ref:
        spec["claimRef"] = {"namespace": NAMESPACE, "name": claim_ref}
    return add("pv", Spec("PersistentVolume", {"metadata": metadata, "spec": spec}))


HOST_PATH = {"hostPath": {"path": "/srv/assets"}}
NFS = {"nfs": {"server": "nfs.example.internal", "path": "/exports/assets"}}


def claim(claim_spec: dict[str, Any]) -> Edit:
    """A PVC `assets` (with `claim_spec`) that the blue pods mount."""

    def change(specs: dict[str, Spec]) -> None:
        spec = {"accessModes": ["ReadOnlyMany"], "resources": {"requests": {"storage": "1Gi"}}, **claim_spec}
        specs["pvc"] = Spec("PersistentVolumeClaim", {"metadata": meta("assets"), "spec": spec}, protect=True)
        volume = {"name": "assets", "persistentVolumeClaim": {"claimName": "assets", "readOnly": True}}
        pod_of(specs, "blue").setdefault("volumes", []).append(volume)

    return change


def ephemeral_claim(claim_spec: dict[str, Any]) -> Edit:
    def change(specs: dict[str, Spec]) -> None:
        template = {
            "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}, **claim_spec}
        }
        volume = {"name": "scratch", "ephemeral": {"volumeClaimTemplate": template}}
        pod_of(specs, "blue").setdefault("volumes", []).append(volume)

    return change


def ingress(tls: list[dict[str, Any]] | None, host: str = "web.example.com", **annotations: str) -> Edit:
    rule = {
        "host": host,
        "http": {
            "paths": [
                {"path": "/", "pathType": "Prefix", "backend": {"service": {"name": "web", "port": {"name": "http"}}}}
            ]
        },
    }
    spec: dict[str, Any] = {"ingressClassName": "nginx", "rules": [rule]}
    if tls is not None:
        spec["tls"] = tls
    inputs = {"metadata": {**meta("web"), "annotations": annotations}, "spec": spec}
    return add("ingress", Spec("Ingress", inputs))


def budget(name: str, selector: dict[str, Any], **limits: Any) -> Edit:
    return add(name, Spec("PodDisruptionBudget", {"metadata": meta(name), "spec": {"selector": selector, **limits}}))


def pdb_limits(**limits: Any) -> Edit:
    def change(specs: dict[str, Spec]) -> None:
        spec = specs["pdb"].inputs["spec"]
        spec.pop("maxUnavailable")
        spec.update(limits)

    return change
