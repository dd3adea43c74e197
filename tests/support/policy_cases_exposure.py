"""Pass and fail cases of the host, exposure and disruption-budget policies."""

from __future__ import annotations

from tests.support.policy_edits import Case, add, as_kind, on_container, set_in
from tests.support.policy_edits_access import (
    APP_SELECTOR,
    HOST_PATH,
    NFS,
    budget,
    claim,
    ephemeral_claim,
    ingress,
    pdb_limits,
    persistent_volume,
)
from tests.support.policy_fixtures import Spec, changed

TLS = [{"hosts": ["web.example.com"], "secretName": "web-tls"}]


def _statefulset_claiming(claim_name: str) -> Spec:
    """A StatefulSet `x-statefulset` with the claim template `data` (its claims: data-x-statefulset-<n>)."""
    sts = as_kind("StatefulSet")
    sts.inputs["spec"]["volumeClaimTemplates"] = [
        {"metadata": {"name": claim_name}, "spec": {"accessModes": ["ReadWriteOnce"], "resources": {}}}
    ]
    return sts


EXPOSURE_CASES: dict[str, list[Case]] = {
    "no-host-ports": [
        Case(
            "hostPort on the app container",
            lambda: changed(on_container(lambda c: c["ports"][0].__setitem__("hostPort", 8080))),
            True,
            where="blue",
            text="remove hostPort 8080",
        ),
        Case(
            "hostPort 0 is none",
            lambda: changed(on_container(lambda c: c["ports"][0].__setitem__("hostPort", 0))),
            False,
        ),
    ],
    "no-host-path-persistent-volumes": [
        Case(
            "the claim names a hostPath volume",
            lambda: changed(persistent_volume(HOST_PATH), claim({"volumeName": "assets-pv"})),
            True,
            where="blue",
            text="claims PersistentVolumeClaim assets, bound to PersistentVolume assets-pv, a hostPath volume",
        ),
        Case(
            "the hostPath volume is pre-bound to the claim",
            lambda: changed(persistent_volume(HOST_PATH, claim_ref="assets"), claim({})),
            True,
            where="blue",
            text="assets-pv",
        ),
        Case(
            "the claim selects it by label",
            lambda: changed(
                persistent_volume(HOST_PATH, extra_labels={"tier": "assets"}),
                claim({"selector": {"matchLabels": {"tier": "assets"}}}),
            ),
            True,
            where="blue",
        ),
        Case(
            "a StatefulSet's claim template is pre-bound to it",
            lambda: changed(
                add("x", _statefulset_claiming("data")), persistent_volume(HOST_PATH, "data-x-statefulset-0")
            ),
            True,
            where="x",
            text="volumeClaimTemplate data",
        ),
        Case(
            "an ephemeral volume names it",
            lambda: changed(persistent_volume(HOST_PATH), ephemeral_claim({"volumeName": "assets-pv"})),
            True,
            where="blue",
            text="volume scratch claims its ephemeral volume claim",
        ),
        Case("an NFS volume", lambda: changed(persistent_volume(NFS), claim({"volumeName": "assets-pv"})), False),
        Case(
            "a hostPath volume pre-bound to another claim",
            lambda: changed(persistent_volume(HOST_PATH, claim_ref="other"), claim({})),
            False,
        ),
    ],
    "no-node-port-services": [
        Case(
            "NodePort",
            lambda: changed(set_in("active", lambda s: s["spec"].__setitem__("type", "NodePort"))),
            True,
            where="active",
            text="is type NodePort",
        ),
        Case(
            "NodePort allowed after review",
            lambda: changed(
                set_in("active", lambda s: s["spec"].__setitem__("type", "NodePort")),
                set_in(
                    "active",
                    lambda s: s["metadata"].__setitem__("annotations", {"greenlight.dev/allow-node-port": "true"}),
                ),
            ),
            False,
        ),
    ],
    "no-service-external-ips": [
        Case(
            "externalIPs",
            lambda: changed(set_in("active", lambda s: s["spec"].__setitem__("externalIPs", ["203.0.113.10"]))),
            True,
            where="active",
            text="203.0.113.10",
        ),
    ],
    "ingress-tls": [
        Case("no TLS", lambda: changed(ingress(None)), True, where="ingress", text="serves plain HTTP"),
        Case(
            "TLS for another host",
            lambda: changed(ingress([{"hosts": ["www.example.com"], "secretName": "www-tls"}])),
            True,
            where="ingress",
            text="add web.example.com to spec.tls[].hosts",
        ),
        Case(
            "plain HTTP kept beside HTTPS",
            lambda: changed(ingress(TLS, **{"nginx.ingress.kubernetes.io/ssl-redirect": "false"})),
            True,
            where="ingress",
            text="ssl-redirect",
        ),
        Case("TLS for its host", lambda: changed(ingress(TLS)), False),
        Case(
            "a wildcard certificate", lambda: changed(ingress([{"hosts": ["*.example.com"], "secretName": "w"}])), False
        ),
        Case("an entry without hosts covers all", lambda: changed(ingress([{"secretName": "default-tls"}])), False),
    ],
    "single-disruption-budget": [
        Case(
            "a second budget over the same pods",
            lambda: changed(budget("pdb-extra", APP_SELECTOR, maxUnavailable=1)),
            True,
            where="blue",
            text="selected by 2 PodDisruptionBudgets (web, pdb-extra)",
        ),
        Case(
            "a namespace-wide budget (an empty selector selects every pod in policy/v1)",
            lambda: changed(budget("pdb-all", {}, maxUnavailable=1)),
            True,
            where="blue",
            text="selected by 2 PodDisruptionBudgets (web, pdb-all)",
        ),
        Case(
            "budgets over different pods",
            lambda: changed(
                budget("pdb-extra", {"matchLabels": {"app.kubernetes.io/name": "other"}}, maxUnavailable=1)
            ),
            False,
        ),
    ],
    "disruption-budget-allows-eviction": [
        Case(
            "maxUnavailable 0",
            lambda: changed(set_in("pdb", lambda p: p["spec"].update({"maxUnavailable": 0}))),
            True,
            where="pdb",
            text="maxUnavailable 0 allows no eviction",
        ),
        Case("minAvailable 100%", lambda: changed(pdb_limits(minAvailable="100%")), True, where="pdb", text="100%"),
        Case(
            "minAvailable equal to the pods at the HPA minimum",
            lambda: changed(pdb_limits(minAvailable=4)),
            True,
            where="pdb",
            text="minAvailable 4 of 4 pods",
        ),
        Case(
            "a percentage rounds up to every pod",
            lambda: changed(pdb_limits(minAvailable="80%")),
            True,
            where="pdb",
            text="minAvailable 80% of 4 pods",
        ),
        Case("a percentage that leaves one", lambda: changed(pdb_limits(minAvailable="75%")), False),
        Case("minAvailable below the pods", lambda: changed(pdb_limits(minAvailable=3)), False),
        Case(
            "blocks drains in dev too",
            lambda: changed(set_in("pdb", lambda p: p["spec"].update({"maxUnavailable": "0%"}))),
            True,
            env="dev",
            where="pdb",
            text="maxUnavailable 0%",
        ),
    ],
}
