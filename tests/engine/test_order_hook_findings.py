"""What the engine concludes on the order hooks (clinical-logic.md §5, §6): a red flag takes the
place of the order and imaging advice, and an urgent flag is shown only when a joint, spinal or
lumbar imaging order is being drafted."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.engine import Findings
from cds.evaluation import evaluate
from cds.facts.record import PatientRecord
from cds.types import Hook
from tests.support.clinical_records import condition, days_ago

CPT = "http://www.ama-assn.org/go/cpt"
KNEE_XRAY = "73560"
LUMBAR_MRI = "72148"
CERVICAL_MRI = "72141"


def draft(code: str, rid: str) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "code": {"coding": [{"system": CPT, "code": code}]},
        "subject": {"reference": "Patient/p"},
        "authoredOn": days_ago(0),
    }


def find(
    conditions: list[dict[str, Any]], drafts: list[dict[str, Any]], hook: Hook = "order-sign"
) -> tuple[Findings, list[str]]:
    patient = {"resourceType": "Patient", "id": "p", "birthDate": "1980-01-01"}
    record = PatientRecord("p", patient, conditions=conditions, draft_orders=drafts)
    result = evaluate(record, hook, FIXTURES_NOW)
    return result.findings, [c.card["source"]["topic"]["code"] for c in result.cards]


LOW_BACK = condition("M54.50", days_ago(20), rid="lbp")
SCIATICA = condition("M54.31", days_ago(20), rid="sciatica")
TINGLING = condition("R20.2", days_ago(20), rid="tingling")
RIGHT_KNEE = condition("M25.561", days_ago(20), rid="knee")
SPINAL_KNEE = [LOW_BACK, SCIATICA, TINGLING, RIGHT_KNEE]
CANCER_HISTORY = condition("Z85.3", days_ago(2000), rid="cancer", status="resolved")
NEW_INCONTINENCE = condition("R32", days_ago(2), rid="incontinence")


def test_without_a_red_flag_the_knee_xray_and_lumbar_mri_are_advised_on() -> None:
    found, _ = find(SPINAL_KNEE, [draft(KNEE_XRAY, "xr"), draft(LUMBAR_MRI, "mri")])
    assert [o.order.reference for o in found.orders] == ["ServiceRequest/xr"]
    assert found.imaging is not None and found.order_scope


def test_a_red_flag_takes_the_place_of_order_and_imaging_advice() -> None:
    drafts = [draft(KNEE_XRAY, "xr"), draft(LUMBAR_MRI, "mri")]
    found, topics = find([*SPINAL_KNEE, NEW_INCONTINENCE], drafts)
    assert (found.orders, found.imaging) == ((), None)
    assert topics == ["red-flag"]


def test_patient_view_gives_no_order_advice() -> None:
    found, _ = find(SPINAL_KNEE, [draft(KNEE_XRAY, "xr")], hook="patient-view")
    assert (found.orders, found.imaging, found.order_scope) == ((), None, False)


@pytest.mark.parametrize(
    ("drafts", "shown"),
    [
        ([], False),
        ([draft(KNEE_XRAY, "xr")], True),
        ([draft(CERVICAL_MRI, "spine")], True),
        ([draft(LUMBAR_MRI, "mri")], True),
    ],
)
def test_an_urgent_flag_is_shown_on_an_order_hook_only_with_an_order_in_scope(
    drafts: list[dict[str, Any]], shown: bool
) -> None:
    found, topics = find([LOW_BACK, CANCER_HISTORY], drafts)
    assert [(r.flag, r.tier) for r in found.red_flags] == [("cancer", "urgent")]
    assert topics == (["red-flag"] if shown else [])
