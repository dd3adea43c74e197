"""The one exceptions table: what an entry covers, and that every entry says why and what would lift it."""

from __future__ import annotations

from greenlight_policies import all_policies, exceptions

CHART_URN = "urn:pulumi:s::p::greenlight:index:M$kubernetes:helm.sh/v4:Chart$kubernetes:{type}::x"
OWN_URN = "urn:pulumi:s::p::greenlight:index:M$kubernetes:{type}::x"
LABELS = exceptions.ChartException(
    "recommended-labels",
    "",
    "CustomResourceDefinition",
    "*.example.dev",
    "no labels",
    "a value",
    "add the labels team.",
)


def crd(name: str) -> dict[str, object]:
    return {"metadata": {"name": name}}


def test_an_entry_covers_its_pattern_and_only_the_finding_it_names() -> None:
    assert LABELS.covers(
        "recommended-labels", "", "CustomResourceDefinition", "widgets.example.dev", "add the labels team."
    )
    assert not LABELS.covers(
        "recommended-labels", "", "CustomResourceDefinition", "widgets.other.dev", "add the labels team."
    )
    assert not LABELS.covers(
        "recommended-labels", "", "CustomResourceDefinition", "widgets.example.dev", "add the labels cost-center."
    )
    assert not LABELS.covers(
        "container-resources", "", "CustomResourceDefinition", "widgets.example.dev", "add the labels team."
    )


def test_the_stacks_own_objects_and_checkov_findings_on_unlabelled_objects_are_never_excepted(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setattr(exceptions, "EXCEPTIONS", (LABELS,))
    type_ = "apiextensions.k8s.io/v1:CustomResourceDefinition"
    full_type = f"kubernetes:{type_}"
    message = "CustomResourceDefinition x: add the labels team."
    assert (
        exceptions.find("recommended-labels", CHART_URN.format(type=type_), full_type, crd("w.example.dev"), message)
        == LABELS
    )
    assert (
        exceptions.find("recommended-labels", OWN_URN.format(type=type_), full_type, crd("w.example.dev"), message)
        is None
    )
    assert exceptions.lookup_check("recommended-labels", "", "CustomResourceDefinition", "w.example.dev") is None


def test_every_entry_is_justified_and_names_a_real_policy_or_a_charted_check() -> None:
    policies = {p.name for p in all_policies()}
    for entry in exceptions.EXCEPTIONS:
        assert len(entry.reason) > 20 and len(entry.lift) > 10, entry
        if entry.policy.startswith(exceptions.CHECKOV_PREFIX):
            assert entry.chart, f"{entry}: checkov sees no parent; a check entry must name its chart"
        else:
            assert entry.policy in policies and entry.policy != "chart-exceptions", entry
    assert len(set(exceptions.EXCEPTIONS)) == len(exceptions.EXCEPTIONS)
