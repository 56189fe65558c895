"""Who the patient is, for the advice (clinical-logic.md §2): a child, a pregnancy that is still
current, long-term steroids, and why NSAID advice is withheld."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.engine import PatientState
from cds.evaluation import evaluate
from cds.facts.record import PatientRecord
from tests.support.clinical_records import LOINC, SNOMED, condition, days_ago

RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
NOT_PREGNANT = "60001007"
PREGNANT = "77386006"


def state_of(
    conditions: list[dict[str, Any]] | None = None,
    observations: list[dict[str, Any]] | None = None,
    *,
    birth_date: str = "1990-01-01",
    gender: str = "female",
    medications: list[dict[str, Any]] | None = None,
    patient: bool = True,
) -> PatientState:
    resource = {"resourceType": "Patient", "id": "p", "birthDate": birth_date, "gender": gender}
    record = PatientRecord(
        "p",
        resource if patient else None,
        conditions=conditions or [],
        observations=observations or [],
        medications=[] if medications is None else medications,
    )
    state = evaluate(record, "patient-view", FIXTURES_NOW).findings.state
    assert state is not None
    return state


def medicine(code: str, started: str | None, rid: str = "med") -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "MedicationStatement",
        "id": rid,
        "status": "active",
        "medicationCodeableConcept": {"coding": [{"system": RXNORM, "code": code}]},
        "subject": {"reference": "Patient/p"},
    }
    if started:
        resource["effectiveDateTime"] = started
    return resource


def pregnancy_status(value: str, effective: str, rid: str = "status") -> dict[str, Any]:
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": LOINC, "code": "82810-3"}]},
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": effective,
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": value}]},
    }


def undated(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k != "onsetDateTime"}


# Who: age, sex, child, and no Patient resource at all.


def test_sex_and_age_are_read_from_the_patient() -> None:
    state = state_of(birth_date="1961-06-01", gender="male")
    assert (state.age, state.sex, state.child) == (65, "male", False)


def test_without_a_patient_resource_nothing_is_assumed_about_age_or_sex() -> None:
    state = state_of(patient=False)
    assert (state.age, state.sex, state.child, state.nsaid_barriers) == (None, None, False, ())


@pytest.mark.parametrize(("birth_date", "child"), [("2010-06-02", True), ("2010-06-01", False)])
def test_a_child_is_under_sixteen(birth_date: str, child: bool) -> None:
    assert state_of(birth_date=birth_date).child is child


# Why NSAID advice is withheld.


@pytest.mark.parametrize(("birth_date", "barriers"), [("1961-06-02", ()), ("1961-06-01", ("age",))])
def test_nsaid_advice_is_withheld_from_sixty_five(birth_date: str, barriers: tuple[str]) -> None:
    assert state_of(birth_date=birth_date).nsaid_barriers == barriers


def test_pregnancy_and_an_anticoagulant_withhold_nsaid_advice() -> None:
    state = state_of(
        [condition("Z34", days_ago(60), rid="preg")],
        medications=[medicine("11289", days_ago(200))],
    )
    assert state.nsaid_barriers == ("pregnancy", "anticoagulant")


def test_unavailable_medicines_withhold_nsaid_advice() -> None:
    record = PatientRecord("p", {"resourceType": "Patient", "id": "p", "birthDate": "1990-01-01"})
    state = evaluate(record, "patient-view", FIXTURES_NOW).findings.state
    assert state is not None and state.nsaid_barriers == ("medicines-unavailable",)


@pytest.mark.parametrize(
    ("code", "status", "barriers"),
    [
        ("N18.4", "active", ("ckd",)),
        ("N18.4", "resolved", ()),
        ("I50.9", "active", ("heart-failure",)),
        ("I50.9", "resolved", ()),
        ("K25.9", "resolved", ("peptic-ulcer",)),
        ("K92.2", "resolved", ("gi-bleed",)),
    ],
)
def test_nsaid_cautions_count_when_current_or_when_a_past_one_matters(
    code: str, status: str, barriers: tuple[str, ...]
) -> None:
    state = state_of([condition(code, days_ago(400), status=status)])
    assert state.nsaid_barriers == barriers


def test_a_refuted_caution_withholds_nothing() -> None:
    refuted = condition(
        "I50.9",
        verificationStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "refuted",
                }
            ]
        },
    )
    assert state_of([refuted]).nsaid_barriers == ()


# Long-term systemic steroids: started at least 90 days ago, no start date, or coded Z79.52.


@pytest.mark.parametrize(
    ("started", "long_term"),
    [(days_ago(90), True), (days_ago(89), False), (None, True)],
)
def test_prednisolone_is_long_term_from_ninety_days(started: str | None, long_term: bool) -> None:
    state = state_of(medications=[medicine("8638", started)])
    assert bool(state.long_term_steroids) is long_term


def test_long_term_steroid_use_coded_as_such_counts_however_recent() -> None:
    state = state_of([condition("Z79.52", days_ago(10), rid="z79")])
    assert [f.reference for f in state.long_term_steroids] == ["Condition/z79"]


def test_an_immunosuppressant_is_listed() -> None:
    state = state_of(medications=[medicine("6851", days_ago(10))])
    assert len(state.immunosuppressants) == 1 and state.long_term_steroids == ()


# Pregnancy: begun within 294 days, with no delivery, loss or "not pregnant" recorded since.


def pregnant(conditions: list[dict[str, Any]], observations: list[Any] | None = None) -> bool:
    state = state_of(conditions, observations)
    assert state.pregnant is ("pregnancy" in state.nsaid_barriers)
    return state.pregnant


@pytest.mark.parametrize(("days", "expected"), [(60, True), (294, True), (295, False)])
def test_a_pregnancy_counts_for_294_days(days: int, expected: bool) -> None:
    assert pregnant([condition("Z34", days_ago(days), rid="preg")]) is expected


def test_an_undated_pregnancy_counts() -> None:
    assert pregnant([undated(condition("Z34", rid="preg"))])


def test_an_old_pregnancy_does_not_hide_a_new_one() -> None:
    old = condition("Z34", days_ago(700), rid="old")
    new = condition("Z3A", days_ago(30), rid="new")
    assert pregnant([old, new])


@pytest.mark.parametrize(
    ("ended", "status", "expected"),
    [
        (days_ago(10), "active", False),
        (days_ago(10), "resolved", False),
        (days_ago(60), "resolved", False),
        (days_ago(400), "resolved", True),
    ],
)
def test_a_delivery_recorded_since_ends_the_pregnancy(
    ended: str, status: str, expected: bool
) -> None:
    delivery = condition("Z37", ended, rid="delivery", status=status)
    assert pregnant([condition("Z34", days_ago(60), rid="preg"), delivery]) is expected


def test_an_undated_delivery_ends_no_pregnancy() -> None:
    delivery = undated(condition("Z37", rid="delivery", status="resolved"))
    assert pregnant([condition("Z34", days_ago(60), rid="preg"), delivery])


def test_a_dated_delivery_ends_an_undated_pregnancy() -> None:
    delivery = condition("Z37", days_ago(10), rid="delivery", status="resolved")
    assert not pregnant([undated(condition("Z34", rid="preg")), delivery])


def test_a_loss_ends_only_the_pregnancy_before_it() -> None:
    earlier = condition("Z34", days_ago(200), rid="earlier")
    loss = condition("O03.9", days_ago(150), rid="loss", system="http://hl7.org/fhir/sid/icd-10")
    current = condition("Z3A", days_ago(30), rid="current")
    state = state_of([earlier, loss, current])
    assert [f.reference for f in state.pregnancy] == ["Condition/current"]


def test_a_pregnancy_status_observation_says_pregnant_only_with_its_value() -> None:
    assert pregnant([], [pregnancy_status(PREGNANT, days_ago(20))])
    assert not pregnant([], [pregnancy_status(NOT_PREGNANT, days_ago(20))])


def test_not_pregnant_recorded_since_ends_the_pregnancy() -> None:
    preg = condition("Z34", days_ago(100), rid="preg")
    assert not pregnant([preg], [pregnancy_status(NOT_PREGNANT, days_ago(20))])
    assert pregnant([preg], [pregnancy_status(NOT_PREGNANT, days_ago(200))])
