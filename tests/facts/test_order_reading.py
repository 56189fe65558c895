"""What a ServiceRequest yields: a draft joint order with its sites, label and reasons, an existing
referral, a red-flag action, a spinal imaging order."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.facts import Facts, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology
from cds.types import Hook

CPT = "http://www.ama-assn.org/go/cpt"
SCT = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
IMAGING = [{"coding": [{"system": SCT, "code": "363679005"}]}]
LUMBAR = [{"coding": [{"system": SCT, "code": "122496007"}]}]


def order(rid: str = "o1", status: str = "draft", **fields: Any) -> dict[str, Any]:
    return {"resourceType": "ServiceRequest", "id": rid, "status": status, "intent": "order"} | (
        fields
    )


def coded(system: str, code: str, text: str | None = None) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]} | ({"text": text} if text else {})


def read(
    drafts: list[Any] = [],  # noqa: B006 - never mutated
    existing: list[Any] = [],  # noqa: B006
    hook: Hook = "order-sign",
    selections: tuple[str, ...] = (),
) -> Facts:
    record = PatientRecord(
        patient_id="p", draft_orders=drafts, service_requests=existing, selections=selections
    )
    return extract_facts(record, hook, FIXTURES_NOW, default_terminology())


def sites(draft: dict[str, Any]) -> list[tuple[str | None, str]]:
    (found,) = read([draft]).orders
    return [(s.joint, s.side) for s in found.sites]


# --- draft joint orders ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"code": coded(CPT, "73560", "XR")}, [("knee", "unknown")]),
        ({"code": coded(CPT, "73565", "XR")}, [("knee", "bilateral")]),
        ({"code": {"text": "X-ray right knee"}, "category": IMAGING}, [("knee", "right")]),
        ({"code": coded(CPT, "73560", "XR"), "bodySite": [{"text": "left"}]}, [("knee", "left")]),
        ({"category": IMAGING, "bodySite": [{"text": "left knee"}]}, [("knee", "left")]),
    ],
)
def test_a_draft_joint_image_takes_its_joint_and_side_from_code_body_site_or_text(
    fields: dict[str, Any], expected: list[tuple[str, str]]
) -> None:
    assert sites(order(**fields)) == expected


@pytest.mark.parametrize(
    "reason",
    [
        coded(ICD10CM, "M25.50"),  # joint pain, no joint named
        coded(ICD10CM, "G56.01"),  # carpal tunnel: a hand, but not a joint complaint
    ],
)
def test_a_reason_that_names_no_joint_complaint_adds_no_site(reason: dict[str, Any]) -> None:
    knee = order(code=coded(CPT, "73560", "XR"), reasonCode=[reason])
    assert sites(knee) == [("knee", "unknown")]


def test_a_reason_naming_the_same_joint_adds_no_second_site() -> None:
    knee = order(code=coded(CPT, "73560", "XR right knee"), reasonCode=[coded(ICD10CM, "M25.561")])
    assert sites(knee) == [("knee", "right")]


def test_the_order_label_is_its_text_then_the_value_sets_display_then_its_kind() -> None:
    texted = order("t", code=coded(CPT, "73560", "Knee films"))
    coded_only = order("c", code=coded(CPT, "73560"))
    uncoded = order("u", category=IMAGING, bodySite=[{"text": "left knee"}])
    labels = {o.reference: (o.kind, o.label) for o in read([texted, coded_only, uncoded]).orders}
    assert labels == {
        "ServiceRequest/t": ("imaging", "Knee films"),
        "ServiceRequest/c": ("imaging", "X-ray knee, 1 or 2 views"),
        "ServiceRequest/u": ("imaging", "imaging"),
    }


def test_a_long_order_label_is_shortened_to_eighty_characters() -> None:
    text = "X" * 100
    (found,) = read([order(code=coded(CPT, "73560", text))]).orders
    assert found.label == "X" * 79 + "…"


def test_an_orthopaedic_referral_keeps_its_kind_and_only_real_references_as_reasons() -> None:
    referral = order(
        code=coded(SCT, "308481009"),
        category=IMAGING,
        reasonReference=[{"reference": "Condition/knee"}, {"reference": "knee"}, {"display": "x"}],
    )
    (found,) = read([referral]).orders
    assert (found.kind, found.sites, found.reason_references) == (
        "orthopaedic-referral",
        (),
        ("Condition/knee",),
    )


def test_an_order_with_neither_site_nor_reason_is_not_read() -> None:
    assert read([order(code=coded(SCT, "308481009"))]).orders == ()


# --- existing referrals ------------------------------------------------------------------------


def test_an_open_referral_is_read_with_its_status() -> None:
    physio = order(status="active", code=coded(SCT, "308447003"))
    closed = order("done", status="completed", code=coded(SCT, "308447003"))
    found = read(existing=[physio, closed]).referrals
    assert [(r.reference, r.kind, r.status) for r in found] == [
        ("ServiceRequest/o1", "physiotherapy", "active")
    ]


def test_a_referral_is_recognised_by_its_text_beside_an_unknown_standard_code() -> None:
    physio = order(status="active", code=coded(SCT, "999999", "Referral to physiotherapist"))
    assert [r.kind for r in read(existing=[physio]).referrals] == ["physiotherapy"]


def test_a_joint_image_on_record_is_not_a_referral() -> None:
    knee = order(status="active", code=coded(CPT, "73560"))
    assert read(existing=[knee]).referrals == ()


def test_only_service_requests_are_read_as_referrals() -> None:
    task = order(status="active", code=coded(SCT, "308447003")) | {"resourceType": "Task"}
    assert read(existing=["junk", task]).referrals == ()


def test_requests_without_an_id_are_named_by_where_they_sit() -> None:
    physio = order(status="active", code=coded(SCT, "308447003"))
    del physio["id"]
    knee = order(code=coded(CPT, "73560"))
    del knee["id"]
    facts = read(drafts=["junk", knee], existing=[physio])
    assert [r.reference for r in facts.referrals] == ["ServiceRequest/#serviceRequests[0]"]
    assert [o.reference for o in facts.orders] == ["ServiceRequest/#draftOrders[1]"]


# --- red-flag actions and spinal imaging ---------------------------------------------------------


def urgent_referral(status: str) -> dict[str, Any]:
    return order(
        "ref",
        status=status,
        priority="urgent",
        code=coded(SCT, "308481009"),
        reasonReference=[{"reference": "Condition/ces"}],
    )


def test_a_recorded_urgent_referral_acts_on_a_red_flag_but_a_draft_does_not() -> None:
    facts = read(drafts=[urgent_referral("active")], existing=[urgent_referral("active")])
    assert [(a.reference, a.kind, a.urgent) for a in facts.actions] == [
        ("ServiceRequest/ref", "referral", True)
    ]


@pytest.mark.parametrize(
    "fields",
    [{"code": coded(CPT, "72148")}, {"category": IMAGING, "bodySite": LUMBAR}],
)
def test_a_draft_lumbar_mri_or_spinal_image_is_a_spinal_order(fields: dict[str, Any]) -> None:
    assert read([order("mri", **fields)]).spinal_orders == ("ServiceRequest/mri",)


def test_on_order_select_only_the_selected_spinal_order_counts() -> None:
    mri, other = order("mri", code=coded(CPT, "72148")), order("ct", code=coded(CPT, "72131"))
    facts = read([mri, other], hook="order-select", selections=("ServiceRequest/mri",))
    assert facts.spinal_orders == ("ServiceRequest/mri",)


def test_a_joint_image_is_not_a_spinal_order() -> None:
    assert read([order(code=coded(CPT, "73560"))]).spinal_orders == ()
