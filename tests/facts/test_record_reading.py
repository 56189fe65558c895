"""Which resources of a record are read at all (text beside codes, malformed codes, ages without
a birth date), and how the sides of several findings combine."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.facts import Facts, extract_facts
from cds.facts.model import Side
from cds.facts.record import PatientRecord
from cds.facts.sites import combine_sides
from cds.terminology import default_terminology
from tests.support.clinical_records import SNOMED, condition


def read(patient: dict[str, Any] | None = None, **resources: Any) -> Facts:
    record = PatientRecord("p", patient, **resources)
    return extract_facts(record, "patient-view", FIXTURES_NOW, default_terminology())


def noted(code: Any) -> dict[str, Any]:
    """A Condition whose note says what its code does not."""
    return {
        "resourceType": "Condition",
        "id": "noted",
        "subject": {"reference": "Patient/p"},
        "code": code,
        "note": [{"text": "numbness in the left leg"}],
    }


@pytest.mark.parametrize(
    "code",
    [
        {"text": "Follow-up visit"},
        {"coding": [{"system": "urn:example:local", "code": "FU"}], "text": "Follow-up"},
    ],
)
def test_a_note_is_read_when_no_standard_code_says_what_the_condition_is(code: Any) -> None:
    assert [(f.concept, f.side) for f in read(conditions=[noted(code)]).facts] == [
        ("numbness", "left")
    ]


def test_a_note_is_not_read_when_a_standard_code_names_something_else() -> None:
    visit = noted({"coding": [{"system": SNOMED, "code": "185389009"}]})
    assert read(conditions=[visit]).facts == ()


def test_a_condition_whose_code_is_not_a_concept_is_skipped_for_its_note() -> None:
    facts = read(conditions=[noted("numbness")])
    assert facts.facts == ()
    assert [(s.source, s.reference) for s in facts.skipped] == [("conditions", "Condition/noted")]


def test_an_onset_age_without_a_birth_date_dates_nothing() -> None:
    aged = condition("M54.50", rid="aged", onsetAge={"value": 40, "unit": "a"})
    del aged["onsetDateTime"]
    (fact,) = read(conditions=[aged]).facts
    assert fact.onset is None


@pytest.mark.parametrize(
    ("sides", "combined"),
    [
        (["left", "unknown"], "left"),
        (["unknown", "right", "right"], "right"),
        (["left", "right"], "bilateral"),
        (["bilateral", "left"], "bilateral"),
        (["unknown"], "unknown"),
        ([], "unknown"),
    ],
)
def test_the_sides_of_several_findings_at_one_joint(sides: list[Side], combined: Side) -> None:
    assert combine_sides(sides) == combined


def person(**fields: Any) -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "pat"} | fields


@pytest.mark.parametrize(
    ("birth_date", "age"),
    [
        ("2026-01-01", 0),
        ("1896-01-01", 130),
        ("1895-01-01", None),
        ("2027-01-01", None),
        (19800602, None),
    ],
)
def test_the_patients_age_is_read_only_when_it_is_possible(
    birth_date: Any, age: int | None
) -> None:
    info = read(person(birthDate=birth_date)).patient
    assert info is not None and info.age == age


@pytest.mark.parametrize("pid", ["", 42, None])
def test_a_patient_without_a_usable_id_is_named_by_the_record(pid: Any) -> None:
    info = read(person(id=pid)).patient
    assert info is not None and info.reference == "Patient/p"


def test_a_resource_given_as_the_patient_that_is_not_one_is_skipped_with_why() -> None:
    (skipped,) = read({"resourceType": "Group", "id": "g"}).skipped
    assert (skipped.source, skipped.reference, skipped.reason) == (
        "patient",
        "Patient/g",
        "not a Patient",
    )


def test_medicines_without_an_id_are_named_by_where_they_sit() -> None:
    steroid = {
        "resourceType": "MedicationStatement",
        "status": "active",
        "medicationCodeableConcept": {
            "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "8640"}]
        },
    }
    (fact,) = read(medications=["junk", steroid]).facts
    assert fact.reference == "MedicationStatement/#medications[1]"
