"""The draft lumbar imaging orders read from order-hook requests."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.facts import ImagingOrder, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology
from cds.types import Hook

CPT = "http://www.ama-assn.org/go/cpt"
SCT = "http://snomed.info/sct"
LUMBAR = {"coding": [{"system": SCT, "code": "122496007"}]}
IMAGING = [{"coding": [{"system": SCT, "code": "363679005"}]}]


def order(rid: str = "o1", **fields: Any) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
    } | fields


def read(*orders: dict[str, Any], hook: Hook = "order-sign") -> tuple[ImagingOrder, ...]:
    record = PatientRecord(patient_id="p", draft_orders=list(orders))
    return extract_facts(record, hook, FIXTURES_NOW, default_terminology()).imaging_orders


def test_the_sandbox_pama_order_by_its_cpt_code_and_reason() -> None:
    [found] = read(
        order(
            "example-request-id",
            intent="plan",
            code={"coding": [{"system": CPT, "code": "72133"}]},
            reasonCode=[{"coding": [{"system": SCT, "code": "279039007"}]}],
        )
    )
    assert found.reference == "ServiceRequest/example-request-id"
    assert (found.modality, found.code) == ("ct", f"{CPT}|72133")
    assert found.reasons == ("back-pain-lumbar",)


@pytest.mark.parametrize(
    ("fields", "modality"),
    [
        ({"code": {"coding": [{"system": SCT, "code": "113091000"}]}}, "mri"),
        ({"code": {"coding": [{"system": SCT, "code": "363680008"}]}}, "xray"),
        ({"code": {"text": "Spine films"}, "category": IMAGING}, "imaging"),
        (
            {
                "code": {"text": "Spine films"},
                "category": IMAGING,
                "bodySite": [{"text": "L-spine"}],
            },
            None,
        ),
        (
            {
                "code": {"text": "Spine films"},
                "category": IMAGING,
                "bodySite": [{"text": "lumbar"}],
            },
            "imaging",
        ),
    ],
)
def test_by_body_site_with_an_imaging_code_or_category(
    fields: dict[str, Any], modality: str | None
) -> None:
    fields.setdefault("bodySite", [LUMBAR])
    found = read(order(**fields))
    assert [o.modality for o in found] == ([modality] if modality else [])


def test_order_select_reads_only_the_selected_orders() -> None:
    mri = order("mri", code={"coding": [{"system": CPT, "code": "72148"}]})
    record = PatientRecord(patient_id="p", draft_orders=[mri], selections=("ServiceRequest/other",))
    facts = extract_facts(record, "order-select", FIXTURES_NOW, default_terminology())
    assert facts.imaging_orders == ()
    assert [o.modality for o in read(mri, hook="order-select")] == ["mri"]


def test_patient_view_reads_no_draft_orders() -> None:
    mri = order("mri", code={"coding": [{"system": CPT, "code": "72148"}]})
    assert read(mri, hook="patient-view") == ()


def test_an_order_found_by_body_site_and_category_alone_is_named_by_them() -> None:
    [found] = read(order(category=IMAGING, bodySite=[LUMBAR]))
    assert (found.modality, found.label, found.code) == ("imaging", "imaging", "bodySite")


def test_a_coded_order_is_labelled_by_its_text_then_its_own_display_then_the_value_sets() -> None:
    texted = order("t", code={"coding": [{"system": CPT, "code": "72148"}], "text": "MRI L-spine"})
    own = order("o", code={"coding": [{"system": CPT, "code": "72148", "display": "MRI LS"}]})
    plain = order("p", code={"coding": [{"system": CPT, "code": "72148"}]})
    labels = {o.reference: (o.modality, o.label) for o in read(texted, own, plain)}
    assert labels == {
        "ServiceRequest/t": ("mri", "MRI L-spine"),
        "ServiceRequest/o": ("mri", "MRI LS"),
        "ServiceRequest/p": (
            "mri",
            "MRI spinal canal and contents, lumbar; without contrast material",
        ),
    }


def test_only_real_references_are_kept_as_reasons() -> None:
    [found] = read(
        order(
            code={"coding": [{"system": CPT, "code": "72148"}]},
            reasonReference=[
                {"reference": "Condition/ces"},
                {"reference": "ces"},
                {"display": "x"},
            ],
        )
    )
    assert found.reason_references == ("Condition/ces",)


def test_a_referral_for_the_lower_back_is_not_imaging() -> None:
    physio = order(code={"coding": [{"system": SCT, "code": "308447003"}]}, bodySite=[LUMBAR])
    assert read(physio) == ()


def test_a_lumbar_mri_is_not_a_joint_order() -> None:
    mri = order(
        code={"coding": [{"system": CPT, "code": "72148"}]},
        reasonReference=[{"reference": "Condition/ces"}],
    )
    record = PatientRecord(patient_id="p", draft_orders=[mri])
    assert extract_facts(record, "order-sign", FIXTURES_NOW, default_terminology()).orders == ()
