"""Which mechanism the card names, and what its detail shows (clinical-logic.md §2-§3)."""

from __future__ import annotations

from typing import Any

from cds.evaluation import Evaluation
from tests.support.clinical_records import (
    FINDING,
    OBSERVATION,
    SNOMED,
    cards,
    condition,
    days_ago,
    observation,
    run,
    text_condition,
)

NEW_LOW_BACK = condition("M54.50", days_ago(20), rid="back")
CHRONIC_LOW_BACK = condition("M54.50", days_ago(200), rid="back")
RIGHT_HIP, RIGHT_KNEE = condition("M25.551"), condition("M25.561")
LORDOSIS = condition("M40.5", "2020-01-01")
RIGHT_LEG_NUMB = text_condition("numbness right leg", rid="numb")


def pattern(result: Evaluation) -> list[tuple[str, str]]:
    return [(f.pattern, f.level) for f in result.findings.findings]


def present(result: Evaluation) -> set[str]:
    (finding,) = result.findings.findings
    return {i.key for i in finding.present}


def detail(result: Evaluation, index: int = 0) -> str:
    return str(result.cards[index].card["detail"])


def test_posture_without_nerve_signs_makes_a_hip_biomechanical() -> None:
    result = run([NEW_LOW_BACK, RIGHT_HIP, LORDOSIS])
    assert pattern(result) == [("biomechanical", "info")]
    assert "posture" in cards(result)[0][2]


def test_radiating_pain_makes_the_hip_radicular_despite_the_posture() -> None:
    sciatica = condition("M54.41", days_ago(20), rid="sci")
    result = run([NEW_LOW_BACK, RIGHT_HIP, LORDOSIS, sciatica])
    assert pattern(result) == [("radicular", "warning")]
    assert cards(result)[0][2] == "Right hip pain may be referred from the lumbar spine"


def test_numbness_makes_the_hip_radicular_despite_the_posture() -> None:
    result = run([NEW_LOW_BACK, RIGHT_HIP, LORDOSIS, RIGHT_LEG_NUMB])
    assert pattern(result) == [("radicular", "warning")]


def test_chronic_back_pain_alone_makes_a_knee_compensatory() -> None:
    result = run([CHRONIC_LOW_BACK, RIGHT_KNEE])
    assert pattern(result) == [("compensatory", "info")]
    assert "compensating gait" in cards(result)[0][2]


def test_numbness_makes_the_knee_radicular_not_compensatory() -> None:
    result = run([CHRONIC_LOW_BACK, RIGHT_KNEE, RIGHT_LEG_NUMB])
    assert pattern(result) == [("radicular", "warning")]
    assert present(result) == {"neurological", "unilateral", "chronic-or-recurrent"}


def test_a_shoulder_is_never_compensatory() -> None:
    result = run([condition("M54.2", days_ago(200)), condition("M25.511")])
    assert pattern(result) == [("radicular", "info")]
    assert cards(result)[0][2] == "Right shoulder pain may be referred from the cervical spine"


def test_sciatica_on_one_side_counts_for_a_painful_knee_on_both() -> None:
    result = run([condition("M54.41", days_ago(20)), RIGHT_KNEE, condition("M25.562")])
    assert pattern(result) == [("radicular", "info")]
    assert present(result) == {"radiating"}


def test_the_radicular_card_names_the_nerve_roots() -> None:
    lumbar = run([condition("M54.41", days_ago(20)), RIGHT_KNEE])
    assert "(L1\u2013S1 roots)" in detail(lumbar)
    cervical = run([condition("M54.12", days_ago(20)), condition("M25.511")])
    assert "(C5\u2013T1 roots)" in detail(cervical)
    compensatory = run([CHRONIC_LOW_BACK, RIGHT_KNEE])
    assert "roots)" not in detail(compensatory)


def test_the_card_region_follows_the_back_complaint_not_the_default() -> None:
    result = run([condition("M54.16", days_ago(20)), RIGHT_HIP])
    assert cards(result)[0][2].endswith("from the lumbar spine")
    thoracic_posture = condition("M40.0", "2020-01-01", rid="kyph")
    shoulder = run([condition("M54.6", days_ago(200)), condition("M25.511"), thoracic_posture])
    assert any(f.region == "thoracic" for f in shoulder.findings.findings)


# Local explanations lower the card to info only for the same joint and side.


def test_osteoarthritis_of_the_same_knee_lowers_the_card_to_info() -> None:
    oa = condition("M17.11", "2022-01-01", rid="oa")
    result = run([condition("M54.41", days_ago(20)), RIGHT_KNEE, RIGHT_LEG_NUMB, oa])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "info")]


def test_osteoarthritis_of_the_hip_does_not_explain_the_knee() -> None:
    hip_oa = condition("M16.11", rid="oa")
    result = run([condition("M54.41", days_ago(20)), RIGHT_KNEE, RIGHT_LEG_NUMB, hip_oa])
    knee = [c for c in cards(result) if "knee" in c[2]]
    assert [c[:2] for c in knee] == [("spinal-origin", "warning")]


def test_carpal_tunnel_explains_the_hand_but_not_the_shoulder() -> None:
    neck = condition("M54.12", days_ago(20))
    hand, shoulder = condition("M79.641", rid="hand"), condition("M25.511")
    carpal = condition("G56.01", "2022-01-01", rid="cts")
    result = run([neck, hand, shoulder, carpal])
    (finding,) = result.findings.findings
    assert {s.joint for s in finding.sites} == {"hand", "shoulder"}
    assert [f.reference for f in finding.local] == ["Condition/cts"]


def test_shoulder_impingement_does_not_explain_pain_with_neck_pain() -> None:
    impingement = condition("M75.41", "2022-01-01", rid="imp")
    neck = run([condition("M54.12", days_ago(20)), condition("M25.511"), impingement])
    assert neck.findings.findings[0].local == ()
    low_back = condition("M54.41", days_ago(20))
    hip = run([low_back, RIGHT_HIP, condition("M25.511"), impingement, RIGHT_LEG_NUMB])
    assert all(f.local == () for f in hip.findings.findings)


# The inflammatory card shows what made it.


def hla_b27_positive() -> dict[str, Any]:
    value = {"coding": [{"system": SNOMED, "code": "10828004"}]}
    return observation("hla-b27", system=OBSERVATION, rid="hla", valueCodeableConcept=value)


def test_the_inflammatory_card_shows_the_diagnosis_and_markers() -> None:
    crp = observation(
        "1988-5", system="http://loinc.org", rid="crp", valueQuantity={"value": 30, "unit": "mg/L"}
    )
    spa = condition("M45.6", "2018-01-01", rid="as")
    result = run([spa, condition("M54.50", "2025-01-01"), RIGHT_HIP], [crp, hla_b27_positive()])
    (finding,) = result.findings.findings
    assert finding.pattern == "inflammatory"
    text = detail(result)
    assert "**Established diagnosis:**" in text and "Condition/as" in text
    assert "**Markers**" in text and "Observation/crp" in text


def test_a_spinal_card_shows_no_inflammatory_markers() -> None:
    crp = observation(
        "1988-5", system="http://loinc.org", rid="crp", valueQuantity={"value": 30, "unit": "mg/L"}
    )
    result = run([condition("M54.41", days_ago(20)), RIGHT_KNEE], [crp])
    assert pattern(result) == [("radicular", "warning")]
    assert result.findings.findings[0].markers == ()
    assert "**Markers**" not in detail(result)


def test_a_cauda_equina_symptom_with_an_unknown_onset_is_urgent_not_an_emergency() -> None:
    retention = condition("R33.9")
    del retention["onsetDateTime"]
    result = run([NEW_LOW_BACK, retention])
    (flag,) = result.findings.red_flags
    assert (flag.flag, flag.tier, flag.route) == ("cauda-equina", "urgent", "cauda-equina-late")
    assert result.findings.stable == ()


def test_a_provoking_movement_counts_for_the_joint_it_names() -> None:
    provoked = condition("joint-pain-provoked-by-spinal-movement", system=FINDING, rid="prov")
    result = run([NEW_LOW_BACK, RIGHT_KNEE, provoked])
    assert "provocation" in present(result)
