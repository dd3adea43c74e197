"""The rules in-process: the same cases through pulumi_policy's analyzer servicer and the pack's own (no
process, so the coverage gate sees the rule code), plus the small parsers the rules rely on."""

from __future__ import annotations

from typing import Any

import pytest
from greenlight_policies import alerting, kube, reliability, workloads
from greenlight_policies.registry import Meta
from pulumi_policy import policy as policy_module

from tests.policies import test_protocol as protocol
from tests.policies.test_protocol import ALL_CASES, CONFIG, NO_REMEDIATION, Case, Evaluator
from tests.support.in_process import SERVICERS, in_process_pack
from tests.support.policy_fixtures import ALERTMANAGER_YAML


@pytest.fixture(scope="module", params=sorted(SERVICERS))
def in_process(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Evaluator:
    """Every case under pulumi_policy's servicer and under the pack's own (which decodes once per request)."""
    pack = in_process_pack(SERVICERS[request.param]())
    strict = tmp_path_factory.mktemp("policy-config") / "strict.json"
    strict.write_text('{"all": "mandatory"}')
    return Evaluator(
        pack, {env: CONFIG / f"{env}.json" for env in ("dev", "staging", "prod")} | {NO_REMEDIATION: strict}
    )


@pytest.mark.parametrize(("policy", "case"), ALL_CASES)
def test_policy_case_in_process(in_process: Evaluator, policy: str, case: Case) -> None:
    protocol.test_policy_case(in_process, policy, case)


def test_image_tag_reads_registry_ports_and_digests() -> None:
    assert workloads.image_tag("registry:5000/acme/web:1.2@sha256:abc") == "1.2"
    assert workloads.image_tag("registry:5000/acme/web") == ""
    assert workloads.image_tag("web@sha256:abc") == ""


def test_unknown_images_are_left_for_the_update() -> None:
    unknown = next(iter(kube.UNKNOWN_VALUES))
    w = kube.Workload("Pod", "p", "ns", {}, {}, {"containers": [{"name": "c", "image": unknown}]})
    assert list(workloads.unpinned_images(w, {"environment": "prod"})) == []


@pytest.mark.parametrize(
    ("urn", "expected"),
    [
        ("urn:pulumi:s::p::greenlight:index:M$kubernetes:helm.sh/v4:Chart$kubernetes:apps/v1:Deployment::x", True),
        ("urn:pulumi:s::p::greenlight:index:M$kubernetes:apps/v1:Deployment::x", False),
        ("urn:pulumi:s::p::kubernetes:helm.sh/v4:Chart::loki", False),
    ],
)
def test_rendered_by_chart_looks_at_the_parent_types(urn: str, expected: bool) -> None:
    assert kube.rendered_by_chart(urn) is expected


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ({"matchLabels": {"a": "1"}}, True),
        ({"matchExpressions": [{"key": "a", "operator": "In", "values": ["1", "2"]}]}, True),
        ({"matchExpressions": [{"key": "a", "operator": "NotIn", "values": ["1"]}]}, False),
        ({"matchExpressions": [{"key": "b", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "b", "operator": "DoesNotExist"}]}, True),
        ({}, False),
    ],
)
def test_label_selectors(selector: dict[str, Any], matches: bool) -> None:
    assert kube.selector_matches(selector, {"a": "1"}) is matches


@pytest.mark.parametrize(
    ("labels", "receivers"),
    [
        ({"severity": "critical", "alertname": "HighErrorRate"}, ["pagerduty"]),
        ({"severity": "info", "alertname": "Watchdog"}, ["heartbeat"]),
        ({"severity": "info"}, ["null"]),
        ({"severity": "warning"}, ["slack"]),
    ],
)
def test_alertmanager_routing_follows_the_tree(labels: dict[str, str], receivers: list[str]) -> None:
    import yaml

    config = yaml.safe_load(ALERTMANAGER_YAML)
    assert alerting.receivers_for(config["route"], labels) == receivers
    assert alerting.delivers(config, receivers[0]) is (receivers != ["null"])


def test_routing_matchers_and_continue() -> None:
    route = {
        "receiver": "root",
        "routes": [
            {"receiver": "a", "match_re": {"severity": "crit.*"}, "continue": True},
            {"receiver": "b", "matchers": ['team!="ops"', 'service=~"web|api"']},
            {"receiver": "c", "match": {"severity": "critical"}},
        ],
    }
    assert alerting.receivers_for(route, {"severity": "critical", "service": "web"}) == ["a", "b"]
    assert alerting.receivers_for(route, {"severity": "critical", "service": "db"}) == ["a", "c"]
    assert alerting.receivers_for(route, {"severity": "warning"}) == ["root"]


def test_int_or_string_amounts() -> None:
    assert reliability.amount(0.0) == 0
    assert reliability.amount("25%") == 25
    assert reliability.amount(1) == 1


def test_meta_url_points_at_the_policy_section() -> None:
    meta = Meta("x-y", "Checks that x.", policy_module.Severity.LOW, "Do y.")
    assert meta.url.endswith("policies/README.md#x-y")
    assert meta.schema() is None
