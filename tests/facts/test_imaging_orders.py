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
