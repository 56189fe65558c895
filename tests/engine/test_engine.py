"""Engine behaviours a clinician would notice, through evaluate()."""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds.cli.card_text import render_text
from cds.data.scenarios import FIXTURES_NOW
from cds.evaluation import Evaluation, evaluate
from cds.facts.record import PatientRecord
from cds.terminology import load_terminology
from cds.types import Hook
from tests.support.scenarios import assert_well_formed, suggestion_codes

CM = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
PATIENT = {"resourceType": "Patient", "id": "p", "birthDate": "1970-01-01", "gender": "female"}


def cond(
    code: str, onset: str = "2026-05-01", rid: str | None = None, **extra: Any
) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid or f"c-{code.replace('.', '')}",
        "clinicalStatus": {"coding": [{"system": CLIN, "code": "active"}]},
        "code": {"coding": [{"system": extra.pop("system", CM), "code": code}]},
        "subject": {"reference": "Patient/p"},
        "onsetDateTime": onset,
    }
    resource.update(extra)
    return resource


def run(
    conditions: list[Any],
    hook: Hook = "patient-view",
    **kwargs: Any,
) -> Evaluation:
    record = PatientRecord("p", PATIENT, conditions=conditions, **kwargs)
    return evaluate(record, hook, FIXTURES_NOW)


def cards(evaluation: Evaluation) -> list[dict[str, Any]]:
    out = [c.card for c in evaluation.cards]
    for card in out:
        assert_well_formed(card)
    return out


def topics(evaluation: Evaluation) -> list[str]:
    return [c["source"]["topic"]["code"] for c in cards(evaluation)]


def offered(card: dict[str, Any]) -> set[str]:
    return set().union(*(suggestion_codes(s) for s in card.get("suggestions", [])))


def test_icd_child_code_of_a_listed_parent_counts() -> None:
    result = run([cond("M54.59"), cond("M25.561"), cond("R20.2")])
    (card,) = cards(result)
    assert card["summary"] == "Right knee pain may be referred from the lumbar spine"


def test_no_back_complaint_means_no_spinal_card() -> None:
    assert run([cond("M25.561"), cond("R20.2"), cond("M21.372", onset="2020-01-01")]).cards == []


def test_text_only_is_lower_confidence() -> None:
    text_only = [
        {
            "resourceType": "Condition",
            "id": "t1",
            "subject": {"reference": "Patient/p"},
            "code": {"text": "Sciatica right leg"},
            "onsetDateTime": "2026-05-01",
        },
        {
            "resourceType": "Condition",
            "id": "t2",
            "subject": {"reference": "Patient/p"},
            "code": {"text": "Right knee pain"},
            "onsetDateTime": "2026-05-01",
        },
    ]
    result = run(text_only)
    (finding,) = result.findings.findings
    assert finding.low_confidence
    (card,) = cards(result)
    assert "free text" in card["detail"]
    coded = run([cond("M54.41"), cond("M25.561")])
    assert not coded.findings.findings[0].low_confidence
    assert "free text" not in cards(coded)[0]["detail"]


def test_radiating_pain_on_the_opposite_side_counts_against() -> None:
    same = run([cond("M54.41"), cond("M25.561")])
    assert cards(same)[0]["indicator"] == "warning"
    opposite = run([cond("M54.42", onset="2025-01-01"), cond("M25.561")])
    (finding,) = opposite.findings.findings
    present = {i.key for i in finding.indicators if i.present}
    assert present == {"chronic-or-recurrent"}
    assert "opposite-side" in finding.notes
    assert "opposite side" in cards(opposite)[0]["detail"]


def test_chronicity_boundary_is_more_than_twelve_weeks() -> None:
    def chronic(onset: str) -> bool:
        result = run([cond("M54.50", onset=onset), cond("M25.561"), cond("M25.562")])
        return bool(result.findings.findings)

    assert not chronic("2026-03-09")  # 84 days before 2026-06-01
    assert chronic("2026-03-08")  # 85 days


def test_bilateral_joint_is_not_unilateral() -> None:
    result = run([cond("M54.50"), cond("M25.561"), cond("M25.562"), cond("R20.2")])
    (finding,) = result.findings.findings
    assert finding.sites[0].side == "bilateral"
    assert not next(i for i in finding.indicators if i.key == "unilateral").present
    assert cards(result)[0]["summary"].startswith("Bilateral knee")


def test_joints_of_one_pattern_merge_into_one_card() -> None:
    result = run([cond("M54.41"), cond("M25.561"), cond("M25.551"), cond("M79.671")])
    (card,) = cards(result)
    assert card["summary"].startswith("Right knee, hip and ankle/foot") or card[
        "summary"
    ].startswith("Right ")
    assert {"knee", "hip", "ankle-foot"} == set(result.cards[0].joints)


def test_red_flag_overrides_physiotherapy_everywhere() -> None:
    result = run(
        [cond("M54.41"), cond("M25.561"), cond("R20.2"), cond("R33.9", onset="2026-05-30")]
    )
    got = cards(result)
    assert [c["source"]["topic"]["code"] for c in got] == ["red-flag"]
    assert got[0]["indicator"] == "critical"
    for card in got:
        assert "308447003" not in offered(card)
        assert "physiotherapy" not in offered(card)
    assert "urgent-assessment" in offered(got[0])


def test_lumbar_and_cervical_referral_are_separate_cards() -> None:
    result = run([cond("M54.41"), cond("M25.561"), cond("M54.12"), cond("M25.511")])
    summaries = sorted(c["summary"] for c in cards(result))
    assert summaries == [
        "Right knee pain may be referred from the lumbar spine",
        "Right shoulder pain may be referred from the cervical spine",
    ]


def test_never_more_than_three_cards() -> None:
    result = run(
        [
            cond("M54.41"),
            cond("M25.561"),
            cond("M54.12"),
            cond("M25.511"),
            cond("M54.50", rid="old", onset="2020-01-01"),
            cond("M25.552"),
        ]
    )
    assert [f.pattern for f in result.findings.findings] == [
        "radicular",
        "radicular",
        "compensatory",
    ]
    assert len(result.cards) == 3
    assert set(topics(result)) == {"spinal-origin"}


def test_a_red_flag_is_the_only_card() -> None:
    result = run([cond("G83.4", onset="2026-05-31"), cond("M54.41"), cond("M25.561")])
    assert [f.pattern for f in result.findings.findings] == ["radicular"]
    assert topics(result) == ["red-flag"]


def test_inflammatory_card_takes_the_place_of_spinal_origin() -> None:
    result = run([cond("M45.6", onset="2018-01-01"), cond("M54.41"), cond("M25.561")])
    assert topics(result) == ["inflammatory-pattern"]
    assert "306290009" in offered(cards(result)[0])


def test_competing_local_diagnosis_downgrades_to_info() -> None:
    result = run(
        [cond("M54.41"), cond("M25.561"), cond("R20.2"), cond("M17.11", onset="2022-01-01")]
    )
    (card,) = cards(result)
    assert card["indicator"] == "info"
    assert "osteoarthritis" in card["summary"]


def test_existing_physiotherapy_is_not_suggested_again() -> None:
    physio = {
        "resourceType": "ServiceRequest",
        "id": "pt",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": SCT, "code": "308447003"}]},
    }
    result = run([cond("M54.41"), cond("M25.561"), cond("R20.2")], service_requests=[physio])
    (card,) = cards(result)
    assert "308447003" not in offered(card) and "spinal-assessment" in offered(card)
    assert "ServiceRequest/pt" in card["detail"]


def knee_xray(rid: str = "xr") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": rid,
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "category": [{"coding": [{"system": SCT, "code": "363679005"}]}],
        "code": {"text": "XR knee 2 views"},
        "bodySite": [
            {"coding": [{"system": SCT, "code": "49076000"}, {"system": SCT, "code": "24028007"}]}
        ],
    }


def test_order_hooks_never_delete_and_patient_view_ignores_drafts() -> None:
    radicular = [cond("M54.41"), cond("M25.561"), cond("R20.2")]
    hooks: tuple[Hook, ...] = ("order-select", "order-sign")
    for hook in hooks:
        result = run(radicular, hook, draft_orders=[knee_xray()])
        (card,) = cards(result)
        assert card["source"]["topic"]["code"] == "order-spinal-origin"
        assert card["summary"] == "Consider the spine as the source before imaging the right knee"
        actions = [a for s in card["suggestions"] for a in s["actions"]]
        assert actions and all(a["type"] == "create" for a in actions)
    pv = run(radicular, "patient-view", draft_orders=[knee_xray()])
    assert topics(pv) == ["spinal-origin"]


def test_order_select_uses_selections_when_given() -> None:
    radicular = [cond("M54.41"), cond("M25.561"), cond("R20.2")]
    picked = run(
        radicular, "order-select", draft_orders=[knee_xray()], selections=("ServiceRequest/other",)
    )
    assert picked.cards == []
    chosen = run(
        radicular, "order-select", draft_orders=[knee_xray()], selections=("ServiceRequest/xr",)
    )
    assert topics(chosen) == ["order-spinal-origin"]


def test_order_on_the_other_knee_gives_no_card() -> None:
    left = knee_xray()
    left["bodySite"] = [
        {"coding": [{"system": SCT, "code": "49076000"}, {"system": SCT, "code": "7771000"}]}
    ]
    result = run(
        [cond("M54.41"), cond("M25.561"), cond("R20.2")], "order-sign", draft_orders=[left]
    )
    assert result.cards == []


def test_garbage_resources_are_skipped_and_the_rest_still_evaluated() -> None:
    bad = cond("M54.59", rid="bad")
    bad["clinicalStatus"] = "active"
    result = run(
        [bad, None, 7, {"resourceType": "Condition", "code": []}, cond("M54.41"), cond("M25.561")]
    )
    assert [s.reference for s in result.skipped] == ["Condition/bad"]
    assert topics(result) == ["spinal-origin"]


JSONISH = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=20,
)
CODEABLE = st.fixed_dictionaries(
    {
        "coding": st.lists(
            st.fixed_dictionaries(
                {
                    "system": st.sampled_from([CM, SCT, "x"]),
                    "code": st.sampled_from(["M54.5", "M25.561", "G83.4", "23056005", 5]),
                }
            ),
            max_size=3,
        )
    },
    optional={"text": JSONISH},
)
RESOURCE = st.fixed_dictionaries(
    {
        "resourceType": st.sampled_from(
            ["Condition", "Observation", "ServiceRequest", "MedicationRequest"]
        ),
        "code": CODEABLE | JSONISH,
    },
    optional={
        "medicationCodeableConcept": CODEABLE | JSONISH,
        "priority": JSONISH,
        "authoredOn": JSONISH,
        "reasonReference": JSONISH,
        "clinicalStatus": JSONISH,
        "status": JSONISH,
        "bodySite": JSONISH,
        "onsetDateTime": JSONISH,
        "subject": st.just({"reference": "Patient/p"}),
        "id": st.text(max_size=8),
    },
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(RESOURCE | JSONISH, max_size=6),
    st.sampled_from(["patient-view", "order-select", "order-sign"]),
)
def test_random_resources_never_crash(resources: list[Any], hook: Hook) -> None:
    record = PatientRecord(
        "p",
        PATIENT,
        conditions=resources,
        observations=resources,
        service_requests=resources,
        draft_orders=resources,
        medications=resources,
    )
    result = evaluate(record, hook, FIXTURES_NOW)
    assert len(result.cards) <= 3
    json.dumps([c.card for c in result.cards])


def test_uuids_come_from_the_supplied_generator() -> None:
    counter = itertools.count()
    record = PatientRecord(
        "p", PATIENT, conditions=[cond("M54.41"), cond("M25.561"), cond("R20.2")]
    )
    result = evaluate(record, "patient-view", FIXTURES_NOW, new_uuid=lambda: f"id-{next(counter)}")
    card = result.cards[0].card
    assert card["uuid"] == "id-0"
    assert [s["uuid"] for s in card["suggestions"]] == ["id-1", "id-2"]


def test_fingerprint_is_stable_and_follows_the_evidence() -> None:
    base = [cond("M54.41"), cond("M25.561")]
    first = run(base).cards[0].fingerprint
    assert run(base).cards[0].fingerprint == first
    assert run([*base, cond("R20.2")]).cards[0].fingerprint != first


def test_thresholds_come_from_the_rules_file(tmp_path: Path) -> None:
    (tmp_path / "rules.json").write_text(
        json.dumps({"kind": "rules", "levels": {"warningNeedsStrong": False}})
    )
    record = PatientRecord(
        "p", PATIENT, conditions=[cond("M54.50", onset="2025-01-01"), cond("M25.561")]
    )
    default = evaluate(record, "patient-view", FIXTURES_NOW)
    relaxed = evaluate(record, "patient-view", FIXTURES_NOW, terminology=load_terminology(tmp_path))
    assert cards(default)[0]["indicator"] == "info"
    assert cards(relaxed)[0]["indicator"] == "warning"


def test_render_text_is_readable() -> None:
    result = run([cond("M54.41"), cond("M25.561"), cond("R20.2")])
    text = render_text(result)
    assert text.startswith("1. [WARNING] Right knee pain may be referred from the lumbar spine")
    assert "Condition/c-M54.41".replace(".", "") in text or "Condition/c-M5441" in text
    assert "**" not in text and "`" not in text
    assert "Refer to physiotherapy" in text
    assert render_text(result.cards) == text
    assert render_text([c.card for c in result.cards]) == text
    assert render_text([]).startswith("No cards")
