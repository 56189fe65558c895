"""The Keele STarT Back risk (NICE NG59 1.1.1-1.1.3): the latest total since the current lumbar
back complaint began, with a psychosocial subscore recorded the same day or later."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.engine import Findings
from cds.evaluation import evaluate
from cds.facts.record import PatientRecord
from tests.support.clinical_records import LOINC, OBSERVATION, condition, days_ago, observation


def findings_of(conditions: list[dict[str, Any]], observations: list[dict[str, Any]]) -> Findings:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1980-01-01"}
    record = PatientRecord("p", patient, conditions=conditions, observations=observations)
    return evaluate(record, "patient-view", FIXTURES_NOW).findings


def total(value: int, days: int, rid: str = "total") -> dict[str, Any]:
    return observation(
        "91351-7",
        system=LOINC,
        rid=rid,
        effective=days_ago(days),
        valueQuantity={"value": value, "unit": "{score}"},
    )


def psychosocial(value: int, days: int) -> dict[str, Any]:
    return observation(
        "start-back-psychosocial",
        system=OBSERVATION,
        rid="psy",
        effective=days_ago(days),
        valueQuantity={"value": value, "unit": "{score}"},
    )


LOW_BACK = condition("M54.50", days_ago(30), rid="lbp")


@pytest.mark.parametrize(
    ("score", "subscore", "risk"),
    [(3, None, "low"), (4, None, "medium-or-high"), (4, 3, "medium"), (4, 4, "high")],
)
def test_risk_from_the_total_and_the_psychosocial_subscore(
    score: int, subscore: int | None, risk: str
) -> None:
    observations = [total(score, 5)]
    if subscore is not None:
        observations.append(psychosocial(subscore, 5))
    found = findings_of([LOW_BACK], observations)
    assert found.risk is not None
    assert (found.risk.total, found.risk.psychosocial, found.risk.risk) == (score, subscore, risk)
    assert found.risk.reference == "Observation/total"
    assert found.risk.effective is not None and found.risk.effective.isoformat() == days_ago(5)


def test_a_subscore_recorded_before_the_total_is_not_used() -> None:
    found = findings_of([LOW_BACK], [total(6, 5), psychosocial(5, 20)])
    assert found.risk is not None and (found.risk.psychosocial, found.risk.risk) == (
        None,
        "medium-or-high",
    )


def test_the_latest_total_counts_whatever_the_record_order() -> None:
    found = findings_of([LOW_BACK], [total(7, 2, "newer"), total(2, 10, "older")])
    assert found.risk is not None and (found.risk.reference, found.risk.total) == (
        "Observation/newer",
        7,
    )


def test_a_total_from_before_the_current_back_pain_began_does_not_count() -> None:
    assert findings_of([LOW_BACK], [total(6, 60)]).risk is None


def test_an_old_resolved_back_pain_does_not_move_the_start_back() -> None:
    old = condition(
        "M54.50", days_ago(300), rid="old", status="resolved", abatementDateTime=days_ago(200)
    )
    assert findings_of([old, LOW_BACK], [total(6, 100)]).risk is None


def test_neck_pain_does_not_move_the_start_back() -> None:
    neck = condition("M54.2", days_ago(300), rid="neck")
    assert findings_of([neck, LOW_BACK], [total(6, 100)]).risk is None


@pytest.mark.parametrize(("code", "stratify"), [("M54.50", True), ("M54.2", False)])
def test_a_new_lumbar_but_not_neck_complaint_asks_for_a_start_back(
    code: str, stratify: bool
) -> None:
    assert findings_of([condition(code, days_ago(20))], []).stratify is stratify
