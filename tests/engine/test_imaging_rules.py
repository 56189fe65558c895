"""Draft lumbar spine imaging for low back pain or sciatica (clinical-logic.md §6): who is in
scope, which radicular pain makes it `info`, the exclusions' windows and CMS166's population."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.engine import ImagingFinding
from cds.evaluation import evaluate
from cds.facts.record import PatientRecord
from tests.support.clinical_records import ICD10CM, condition, days_ago, text_condition

CPT = "http://www.ama-assn.org/go/cpt"
LOW_BACK = condition("M54.50", days_ago(20), rid="lbp")


def lumbar_mri(*reasons: str) -> dict[str, Any]:
    order: dict[str, Any] = {
        "resourceType": "ServiceRequest",
        "id": "mri",
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": CPT, "code": "72148"}]},
        "subject": {"reference": "Patient/p"},
        "authoredOn": days_ago(0),
    }
    if reasons:
        order["reasonCode"] = [{"coding": [{"system": ICD10CM, "code": r}]} for r in reasons]
    return order


def imaging(
    conditions: list[dict[str, Any]], *reasons: str, patient: bool = True
) -> ImagingFinding | None:
    resource = {"resourceType": "Patient", "id": "p", "birthDate": "1990-01-01"}
    record = PatientRecord(
        "p",
        resource if patient else None,
        conditions=conditions,
        draft_orders=[lumbar_mri(*reasons)],
    )
    return evaluate(record, "order-sign", FIXTURES_NOW).findings.imaging


def test_low_back_pain_with_a_lumbar_mri_is_a_warning() -> None:
    found = imaging([LOW_BACK])
    assert found is not None and (found.level, found.radicular_days) == ("warning", None)


def test_without_a_patient_resource_no_imaging_advice() -> None:
    assert imaging([LOW_BACK], patient=False) is None


def test_neck_pain_alone_is_no_reason_for_lumbar_imaging_advice() -> None:
    assert imaging([condition("M54.2", days_ago(20), rid="neck")]) is None


@pytest.mark.parametrize(
    ("reasons", "advised"),
    [(("M54.50",), True), (("M25.561",), False), (("M25.561", "M54.50"), True)],
)
def test_the_order_reason_can_name_the_low_back_pain(
    reasons: tuple[str, ...], advised: bool
) -> None:
    knee = condition("M25.561", days_ago(20), rid="knee")
    assert (imaging([knee], *reasons) is not None) is advised


@pytest.mark.parametrize(
    ("radiating", "level"),
    [
        (text_condition("pain radiating to the left leg", days_ago(60), rid="r"), "info"),
        (text_condition("pain radiating to the left arm", days_ago(60), rid="r"), "warning"),
        (condition("M54.12", days_ago(60), rid="r"), "warning"),
    ],
)
def test_only_radicular_pain_of_the_leg_for_six_weeks_makes_it_info(
    radiating: dict[str, Any], level: str
) -> None:
    found = imaging([LOW_BACK, radiating])
    assert found is not None and found.level == level


@pytest.mark.parametrize(
    ("numbness", "excluded"),
    [("numbness in the left leg", True), ("numbness in the left hand", False)],
)
def test_numbness_of_the_leg_but_not_the_hand_excludes(numbness: str, excluded: bool) -> None:
    found = imaging([LOW_BACK, text_condition(numbness, days_ago(20), rid="numb")])
    assert (found is None) is excluded


@pytest.mark.parametrize(("ended", "excluded"), [(365, True), (366, False)])
def test_trauma_excludes_for_a_year_after_it_ended(ended: int, excluded: bool) -> None:
    trauma = condition(
        "S32.0",
        days_ago(400),
        rid="trauma",
        status="resolved",
        abatementDateTime=days_ago(ended),
    )
    assert (imaging([LOW_BACK, trauma]) is None) is excluded


def test_a_low_back_pain_diagnosed_today_is_in_cms166() -> None:
    found = imaging([condition("M54.50", days_ago(0), rid="lbp")])
    assert found is not None and found.cms166


def test_a_low_back_pain_still_current_from_before_is_not_a_new_diagnosis_for_cms166() -> None:
    older = condition("M54.9", days_ago(200), rid="older")
    found = imaging([older, LOW_BACK])
    assert found is not None and not found.cms166
