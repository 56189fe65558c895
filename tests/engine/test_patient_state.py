"""Who the patient is, for the advice (clinical-logic.md §2): pregnant (within 42 weeks, unless a
delivery, loss or "not pregnant" is recorded since), NSAID barriers, medicines."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cds.engine.context import build_context
from cds.engine.model import PatientState
from cds.engine.patient import patient_state
from cds.facts import Fact, Facts, PatientInfo
from tests.support.facts import ADULT, TERM, TODAY, fact, refs


def state(
    *facts: Fact, patient: PatientInfo | None = ADULT, medicines: bool = True
) -> PatientState:
    record = Facts("p", patient, facts=facts, medicines_available=medicines)
    return patient_state(build_context(record, TERM, TODAY))


def pregnancy(days: int | None, ref: str = "pregnancy", **extra: object) -> Fact:
    return fact("pregnancy", days, ref, **extra)


def ended(days: int | None, ref: str = "delivery") -> Fact:
    return fact("pregnancy-ended", days, ref, current=False)


def not_pregnant(days: int) -> Fact:
    return fact("pregnancy-status", days, "Observation/status", negated=True)


PREGNANCY: list[tuple[str, tuple[Fact, ...], list[str]]] = [
    ("a pregnancy of 294 days", (pregnancy(294),), ["pregnancy"]),
    ("a pregnancy of 295 days", (pregnancy(295),), []),
    ("an undated pregnancy", (pregnancy(None),), ["pregnancy"]),
    ("a delivery since", (pregnancy(100), ended(10)), []),
    ("a delivery recorded the day it began", (pregnancy(100), ended(100)), []),
    ("a delivery before it", (ended(200), pregnancy(100)), ["pregnancy"]),
    ("an undated delivery", (pregnancy(100), ended(None)), ["pregnancy"]),
    ("'not pregnant' recorded since", (pregnancy(100), not_pregnant(10)), []),
    ("pregnancy written as past history", (pregnancy(100, assertion="historical"),), []),
    ("'if pregnant' in the notes", (pregnancy(100, assertion="conditional"),), []),
    (
        "a past pregnancy then the current one",
        (pregnancy(100, "past", assertion="historical"), pregnancy(50, "now")),
        ["now"],
    ),
    (
        "an old pregnancy then the current one",
        (pregnancy(400, "old"), pregnancy(50, "now")),
        ["now"],
    ),
    (
        "a pregnancy ended by a delivery, then a new one",
        (pregnancy(400, "old"), ended(300), pregnancy(50, "now")),
        ["now"],
    ),
]


@pytest.mark.parametrize(
    ("facts", "expected"), [p[1:] for p in PREGNANCY], ids=[p[0] for p in PREGNANCY]
)
def test_pregnant(facts: tuple[Fact, ...], expected: list[str]) -> None:
    found = state(*facts)
    assert refs(found.pregnancy) == expected
    assert found.pregnant is bool(expected)
    assert ("pregnancy" in found.nsaid_barriers) is bool(expected)


def test_the_patient_s_age_and_sex_are_read_and_may_be_unknown() -> None:
    known = state()
    assert (known.age, known.sex, known.child) == (44, "female", False)
    unknown = state(patient=None)
    assert (unknown.age, unknown.sex, unknown.child) == (None, None, False)


@pytest.mark.parametrize(("age", "barrier"), [(64, False), (65, True)])
def test_no_nsaid_advice_from_sixty_five(age: int, barrier: bool) -> None:
    patient = replace(ADULT, age=age)
    assert ("age" in state(patient=patient).nsaid_barriers) is barrier


def test_nsaid_cautions_count_when_asserted_current_or_past_when_history_counts() -> None:
    ulcer = fact("peptic-ulcer", 400, "ulcer", current=False)
    assert state(ulcer).nsaid_barriers == ("peptic-ulcer",)
    for assertion in ("family", "conditional"):
        assert state(replace(ulcer, assertion=assertion, current=True)).nsaid_barriers == ()
    failure = fact("heart-failure", 400, "failure", current=False)
    assert state(failure).nsaid_barriers == ()


def test_medicines_are_sorted_by_kind_and_their_absence_is_a_barrier() -> None:
    warfarin = fact("anticoagulant", 30, "MedicationRequest/warfarin")
    methotrexate = fact("immunosuppressant", 30, "MedicationRequest/mtx")
    found = state(warfarin, methotrexate)
    assert refs(found.anticoagulants) == ["warfarin"]
    assert refs(found.immunosuppressants) == ["mtx"]
    assert found.nsaid_barriers == ("anticoagulant",)
    assert found.medicines_available is True
    missing = state(medicines=False)
    assert missing.medicines_available is False
    assert missing.nsaid_barriers == ("medicines-unavailable",)


@pytest.mark.parametrize(
    ("days", "code", "long_term"),
    [(90, "text", True), (89, "text", False), (None, "text", True), (10, "x|Z79.52", True)],
    ids=["90 days", "89 days", "undated", "coded long-term (Z79.52)"],
)
def test_steroids_count_from_ninety_days_or_when_coded_long_term(
    days: int | None, code: str, long_term: bool
) -> None:
    steroid = fact("corticosteroid-systemic", days, "MedicationRequest/pred", code=code)
    assert refs(state(steroid).long_term_steroids) == (["pred"] if long_term else [])
