"""What a Condition yields: current or history from its status and abatement, its dates, label,
verification, the sites of its words, and results named in its text."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.facts import Facts, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology
from tests.support.clinical_records import CLINICAL, SNOMED, condition, patient, text_condition

VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def read(*conditions: dict[str, Any]) -> Facts:
    record = PatientRecord("p", patient("1980-06-02"), conditions=list(conditions))
    return extract_facts(record, "patient-view", FIXTURES_NOW, default_terminology())


def back_pain(rid: str, **fields: Any) -> dict[str, Any]:
    return condition("M54.50", rid=rid, **fields)


def without_status(resource: dict[str, Any]) -> dict[str, Any]:
    del resource["clinicalStatus"]
    return resource


@pytest.mark.parametrize(
    "abatement",
    [
        {"abatementDateTime": "2024-01-01"},
        {"abatementPeriod": {"start": "2024-01-01"}},
        {"abatementAge": {"value": 40, "unit": "a"}},
        {"abatementRange": {"low": {"value": 40, "unit": "a"}}},
        {"abatementString": "in childhood"},
    ],
)
def test_without_a_clinical_status_any_abatement_makes_a_condition_history(
    abatement: dict[str, Any],
) -> None:
    (fact,) = read(without_status(back_pain("c", **abatement))).facts
    assert not fact.current


@pytest.mark.parametrize(
    ("abatement", "current"), [({}, True), ({"abatementString": "2019"}, False)]
)
def test_an_unknown_clinical_status_is_read_as_if_absent(
    abatement: dict[str, Any], current: bool
) -> None:
    (fact,) = read(back_pain("c", status="unknown", **abatement)).facts
    assert fact.current is current


def test_a_condition_whose_clinical_status_is_entered_in_error_is_ignored() -> None:
    facts = read(back_pain("eie", status="entered-in-error"))
    assert (facts.facts, facts.ignored) == ((), ("Condition/eie",))


@pytest.mark.parametrize(
    ("abatement", "expected"),
    [
        ({"abatementPeriod": {"start": "2024-01-01", "end": "2024-03-01"}}, "2024-03-01"),
        ({"abatementPeriod": {"start": "2024-01-01"}}, "2024-01-01"),
        ({"abatementAge": {"value": 40, "unit": "a"}}, "2020-06-02"),
    ],
)
def test_the_abatement_date_from_a_period_or_an_age(
    abatement: dict[str, Any], expected: str
) -> None:
    (fact,) = read(back_pain("c", status="resolved", **abatement)).facts
    assert str(fact.abatement) == expected


def test_a_condition_keeps_its_verification_status() -> None:
    confirmed = {"coding": [{"system": VERIFICATION, "code": "confirmed"}]}
    (fact,) = read(back_pain("c", verificationStatus=confirmed)).facts
    assert (fact.verification_status, fact.clinical_status) == ("confirmed", "active")


def test_the_record_display_of_a_code_matched_by_its_parent_is_the_label() -> None:
    other = back_pain("c")
    other["code"]["coding"] = [
        {"system": SNOMED, "code": "0000", "display": "Something else"},
        {"system": other["code"]["coding"][0]["system"], "code": "M54.59", "display": "LBP (GP)"},
    ]
    (fact,) = read(other).facts
    assert (fact.concept, fact.label) == ("back-pain-lumbar", "LBP (GP)")


def test_long_labels_are_cut_to_120_characters() -> None:
    long_display = back_pain("d")
    long_display["code"]["coding"][0]["display"] = "Low back pain " + "z" * 200
    long_text = back_pain("t", text="Low back pain " + "w" * 200)
    labels = [len(f.label) for f in read(long_display, long_text).facts]
    assert labels == [120, 120]


def test_a_finding_in_a_condition_note_takes_its_region_from_its_words() -> None:
    noted = back_pain("c", note=[{"text": "back pain in the lower back"}])
    regions = {f.concept: f.region for f in read(noted).facts}
    assert regions["back-pain-unspecified"] == "lumbar"


def test_a_neurological_finding_takes_no_spinal_region_from_its_words() -> None:
    (fact,) = read(condition("44077006", system=SNOMED, text="numbness of the lower back")).facts
    assert (fact.concept, fact.region) == ("numbness", None)


def test_the_words_of_the_finding_win_over_the_body_site_for_its_side() -> None:
    numb = text_condition("numbness in the left leg", rid="n")
    numb["bodySite"] = [{"text": "right leg"}]
    (fact,) = read(numb).facts
    assert fact.side == "left"


def test_a_condition_without_an_id_is_named_by_where_it_sits() -> None:
    anonymous = back_pain("x")
    del anonymous["id"]
    (_, fact) = read(back_pain("first"), anonymous).facts
    assert fact.reference == "Condition/#conditions[1]"


@pytest.mark.parametrize(("rid", "by_id"), [("a" * 64, True), ("a" * 65, False)])
def test_an_id_of_up_to_64_characters_names_the_condition(rid: str, by_id: bool) -> None:
    facts = read(back_pain(rid))
    named = [f.reference for f in facts.facts] + [s.reference for s in facts.skipped]
    assert named == [f"Condition/{rid}" if by_id else "Condition/#conditions[0]"]


def test_a_condition_with_a_numeric_id_is_skipped_and_named_by_where_it_sits() -> None:
    facts = read(back_pain("x") | {"id": 7})
    assert [s.reference for s in facts.skipped] == ["Condition/#conditions[0]"]


def test_a_result_named_in_the_condition_text_is_a_measurement() -> None:
    (m,) = read(text_condition("HLA-B27 positive", rid="hla")).measurements
    assert (m.reference, m.marker, m.label, m.abnormal, m.unit) == (
        "Condition/hla",
        "hla-b27",
        "HLA-B27 positive",
        True,
        "",
    )


def test_a_result_named_in_a_note_is_dated_by_the_note() -> None:
    uncoded = text_condition("Follow-up", rid="fu") | {"code": None}
    uncoded["note"] = [{"text": "HLA-B27 positive " + "v" * 100, "time": "2026-04-01"}]
    (m,) = read(uncoded).measurements
    assert (m.marker, m.abnormal, str(m.effective), len(m.label)) == (
        "hla-b27",
        True,
        "2026-04-01",
        80,
    )


def test_a_clinical_status_is_read_from_its_first_code() -> None:
    coded_second = back_pain("c", status="resolved")
    coded_second["clinicalStatus"]["coding"].insert(0, {"system": CLINICAL})
    (fact,) = read(coded_second).facts
    assert (fact.clinical_status, fact.current) == ("resolved", False)


def test_an_empty_body_site_names_no_joint_and_no_region() -> None:
    (fact,) = read(condition("44077006", system=SNOMED, bodySite=[{}])).facts
    assert (fact.joint, fact.region, fact.side) == (None, None, "unknown")


def test_two_findings_written_on_different_sides_keep_their_own_sides() -> None:
    two = text_condition("numbness in the left leg; right knee pain", rid="two")
    sides = {f.concept: f.side for f in read(two).facts}
    assert sides == {"numbness": "left", "joint-pain-knee": "right"}
