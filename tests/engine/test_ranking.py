"""Which cards come first, and which findings an order card may speak for."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.evaluation import Evaluation, evaluate
from cds.facts.record import PatientRecord
from cds.terminology import load_terminology
from cds.types import Hook
from tests.support.clinical_records import (
    SNOMED,
    cards,
    condition,
    days_ago,
    patient,
    text_condition,
)


def order_sign(
    conditions: list[dict[str, Any]], site: str, hook: Hook = "order-sign"
) -> Evaluation:
    xray = {
        "resourceType": "ServiceRequest",
        "id": "xr",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "category": [{"coding": [{"system": SNOMED, "code": "363679005"}]}],
        "code": {"text": "XR knee"},
        "bodySite": [{"text": site}],
    }
    record = PatientRecord("p", patient(), conditions=conditions, draft_orders=[xray])
    return evaluate(record, hook, FIXED_NOW)


def test_an_order_names_its_own_side_when_the_knee_pain_has_none() -> None:
    knee = condition("M25.569")
    numb = text_condition("numbness right leg", rid="n")
    result = order_sign([condition("M54.16", days_ago(20)), knee, numb], "right knee")
    assert cards(result) == [
        (
            "order-spinal-origin",
            "warning",
            "Consider the spine as the source before imaging the right knee",
        )
    ]


def test_no_order_card_for_a_knee_explained_by_osteoarthritis() -> None:
    oa = condition("M17.11", "2022-01-01", rid="oa")
    result = order_sign([condition("M54.41", days_ago(20)), condition("M25.561"), oa], "right knee")
    assert [c[0] for c in cards(result)] == []


def test_no_order_card_for_an_inflammatory_pattern() -> None:
    spa = condition("M45.6", "2018-01-01", rid="as")
    result = order_sign(
        [spa, condition("M54.41", days_ago(20)), condition("M25.561")], "right knee"
    )
    assert [f.pattern for f in result.findings.findings] == ["inflammatory"]
    assert "order-spinal-origin" not in [c[0] for c in cards(result)]


def test_the_better_supported_card_comes_first_at_the_same_level() -> None:
    arm = text_condition("numbness right arm", rid="a")
    result = evaluate(
        PatientRecord(
            "p",
            patient(),
            conditions=[
                condition("M54.41", days_ago(20)),
                condition("M25.561"),
                condition("M54.12", days_ago(20)),
                condition("M25.511"),
                arm,
            ],
        ),
        "patient-view",
        FIXED_NOW,
    )
    assert [c[2] for c in cards(result)] == [
        "Right shoulder pain may be referred from the cervical spine",
        "Right knee pain may be referred from the lumbar spine",
    ]


def test_posture_explains_a_hip_even_when_a_site_gives_posture_no_weight(tmp_path: Path) -> None:
    (tmp_path / "rules.json").write_text(
        json.dumps({"kind": "rules", "supportingWeight": {"posture": 0.0}})
    )
    record = PatientRecord(
        "p",
        patient(),
        conditions=[condition("M54.50", days_ago(20)), condition("M25.551"), condition("M40.5")],
    )
    result = evaluate(record, "patient-view", FIXED_NOW, terminology=load_terminology(tmp_path))
    assert [(f.pattern, f.score) for f in result.findings.findings] == [("biomechanical", 1.0)]


def test_an_antalgic_gait_adds_to_the_support_of_a_compensatory_knee() -> None:
    gait = condition(
        "antalgic-gait", system="https://spinal-origin-cds.example.org/CodeSystem/finding"
    )
    base = [condition("M54.50", days_ago(200)), condition("M25.561")]
    plain = evaluate(PatientRecord("p", patient(), conditions=base), "patient-view", FIXED_NOW)
    limping = evaluate(
        PatientRecord("p", patient(), conditions=[*base, gait]), "patient-view", FIXED_NOW
    )
    (without,), (with_gait,) = plain.findings.findings, limping.findings.findings
    assert with_gait.pattern == "compensatory"
    assert with_gait.score == without.score + 0.5
    assert [f.concept for f in with_gait.supporting] == ["abnormal-gait"]
