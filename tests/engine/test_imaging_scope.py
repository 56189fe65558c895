"""Draft lumbar spine imaging on the order hooks (clinical-logic.md §6): who is in scope, which
back pain and radicular pain count, which exclusions apply, and CMS166's population."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import ImagingFinding, find
from cds.facts import DraftOrder, Fact, Facts, ImagingOrder, OrderSite, PatientInfo
from tests.support.facts import ADULT, TERM, fact, on, refs

MRI = ImagingOrder("ServiceRequest/mri", "mri", "MRI lumbar spine", "x|72148")
BACK = fact("back-pain-lumbar", 20, "back")
DRAFT = DraftOrder("ServiceRequest/xr", "imaging", "X-ray knee", (OrderSite("knee", "right"),))


def imaging(
    *facts: Fact, patient: PatientInfo | None = ADULT, order: ImagingOrder = MRI
) -> ImagingFinding | None:
    record = Facts("p", patient, facts=facts, imaging_orders=(order,))
    return find(record, "order-select", FIXED_NOW, TERM).imaging


def test_no_card_when_the_patient_or_their_age_is_unknown() -> None:
    assert imaging(BACK) is not None
    assert imaging(BACK, patient=None) is None
    assert imaging(BACK, patient=replace(ADULT, age=None)) is None


def test_only_current_low_back_pain_counts() -> None:
    assert imaging(fact("neck-pain", 20, "neck")) is None
    assert imaging(replace(BACK, current=False)) is None


def test_the_order_s_reasons_may_name_the_low_back_pain() -> None:
    knee = replace(MRI, reasons=("joint-pain-knee",))
    assert imaging(order=knee) is None
    both = replace(MRI, reasons=("joint-pain-knee", "back-pain-lumbar"))
    assert imaging(order=both) is not None


def test_radicular_pain_of_the_arm_or_neck_is_not_lumbar_radicular_pain() -> None:
    arm = fact("radiating-pain", 60, "arm", joint="arm")
    neck = fact("radicular-cervical", 60, "neck")
    found = imaging(BACK, arm, neck)
    assert found is not None
    assert (found.level, found.radicular) == ("warning", ())
    sciatica = fact("radicular-lumbar", 42, "sciatica")
    found = imaging(BACK, sciatica)
    assert found is not None
    assert (found.level, refs(found.radicular), found.radicular_days) == ("info", ["sciatica"], 42)


def test_numbness_of_the_hand_is_no_neurological_exclusion() -> None:
    assert imaging(BACK, fact("numbness", 10, "numb", joint="hand")) is not None
    assert imaging(BACK, fact("numbness", 10, "numb")) is None


@pytest.mark.parametrize(("ended", "excluded"), [(365, True), (366, False)])
def test_trauma_excludes_for_a_year_after_it_ended(ended: int, excluded: bool) -> None:
    trauma = fact("imaging-exclusion-trauma", 400, "fall", current=False, abatement=on(ended))
    assert (imaging(BACK, trauma) is None) is excluded


def test_cms166_applies_from_the_day_of_the_first_diagnosis() -> None:
    young = PatientInfo("Patient/p", 30, "female", None)
    found = imaging(fact("back-pain-lumbar", 0, "back"), patient=young)
    assert found is not None and found.cms166


def test_cms166_does_not_apply_with_an_earlier_back_pain_still_current() -> None:
    young = PatientInfo("Patient/p", 30, "female", None)
    earlier = fact("back-pain-lumbar", 400, "earlier")
    found = imaging(earlier, fact("back-pain-lumbar", 10, "back"), patient=young)
    assert found is not None and not found.cms166


def test_orders_are_read_only_on_the_order_hooks() -> None:
    knee = fact("joint-pain-knee", 30, "knee", side="right")
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="right")
    record = Facts("p", ADULT, facts=(BACK, knee, sciatica), orders=(DRAFT,), imaging_orders=(MRI,))
    viewed = find(record, "patient-view", FIXED_NOW, TERM)
    assert (viewed.orders, viewed.imaging, viewed.order_scope) == ((), None, True)
    ordered = find(record, "order-select", FIXED_NOW, TERM)
    assert [o.order.reference for o in ordered.orders] == ["ServiceRequest/xr"]
    assert ordered.imaging is not None


@pytest.mark.parametrize(
    "orders",
    [
        {"orders": (DRAFT,)},
        {"spinal_orders": ("ServiceRequest/spine",)},
        {"imaging_orders": (MRI,)},
    ],
    ids=["joint order", "spinal order", "lumbar imaging"],
)
def test_any_drafted_order_puts_the_call_in_order_scope(orders: dict[str, Any]) -> None:
    record = Facts("p", ADULT, facts=(BACK,), **orders)
    assert find(record, "order-select", FIXED_NOW, TERM).order_scope
    assert not find(Facts("p", ADULT, facts=(BACK,)), "order-select", FIXED_NOW, TERM).order_scope
