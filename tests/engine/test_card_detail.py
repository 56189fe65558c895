"""What a card's detail shows a clinician: evidence, criteria, checks and next steps."""

from __future__ import annotations

from typing import Any

from cds.evaluation import Evaluation
from tests.support.clinical_records import (
    FINDING,
    LOINC,
    OBSERVATION,
    SNOMED,
    cards,
    condition,
    days_ago,
    observation,
    run,
)

CHRONIC_BACK_AND_KNEE = [condition("M54.50", days_ago(500), rid="back"), condition("M25.561")]
NG65_FOUR = [
    condition("M54.50", "2025-06-01", rid="back"),
    condition("M25.551", days_ago(60)),
    condition("night-waking-second-half", system=FINDING, rid="f1"),
    condition("back-pain-improves-with-movement", system=FINDING, rid="f2"),
    condition("back-pain-improves-with-nsaid", system=FINDING, rid="f3"),
    condition("Z82.61", rid="f4"),
]


def detail(result: Evaluation) -> str:
    return str(result.cards[0].card["detail"])


def test_the_ng65_card_lists_each_feature_as_evidence() -> None:
    text = detail(run(NG65_FOUR, birth_date="1990-01-15"))
    for ref in ("Condition/f1", "Condition/f2", "Condition/f3", "Condition/f4"):
        assert ref in text


def test_the_ng65_card_says_when_hla_b27_is_negative() -> None:
    negative = observation(
        "hla-b27",
        system=OBSERVATION,
        rid="hla",
        valueCodeableConcept={"coding": [{"system": SNOMED, "code": "260385009"}]},
    )
    result = run(NG65_FOUR, [negative], birth_date="1990-01-15")
    assert cards(result)[0][0] == "inflammatory-pattern"
    assert "HLA-B27 negative" in detail(result)


def test_without_a_birth_date_the_ng65_criteria_cannot_be_met() -> None:
    result = run(NG65_FOUR, birth_date="")
    assert [c[0] for c in cards(result)] == ["spinal-origin"]
    (finding,) = result.findings.findings
    assert finding.pattern != "inflammatory"


def test_back_pain_coded_as_a_recurrence_is_recurrent() -> None:
    for status in ("recurrence", "relapse"):
        back = condition("M54.50", days_ago(20), status=status, rid="back")
        (finding,) = run([back, condition("M25.561")]).findings.findings
        assert "chronic-or-recurrent" in {i.key for i in finding.present}, status


def test_a_negative_neurological_examination_is_shown_as_checked() -> None:
    no_numbness = observation("44077006", rid="exam", valueBoolean=False)
    text = detail(run(CHRONIC_BACK_AND_KNEE, [no_numbness]))
    assert "**Checked negative:**" in text and "Observation/exam" in text
    assert "**Checked negative:**" not in detail(run(CHRONIC_BACK_AND_KNEE))


def back_and_knee(days: int) -> list[dict[str, Any]]:
    return [condition("M54.50", days_ago(days), rid="back"), condition("M25.561")]


def test_back_pain_within_twelve_weeks_and_unscored_is_to_be_stratified_first() -> None:
    assert "Stratify risk first" in detail(run(back_and_knee(84)))
    assert "Stratify risk first" not in detail(run(back_and_knee(85)))


def test_a_start_back_score_on_record_skips_the_advice_to_stratify() -> None:
    score = observation("91351-7", system=LOINC, rid="sb", valueQuantity={"value": 3})
    assert "Stratify risk first" not in detail(run(back_and_knee(20), [score]))


def test_a_pain_score_is_listed_with_the_evidence() -> None:
    pain = observation("72514-3", system=LOINC, rid="pain", valueQuantity={"value": 7})
    assert "Observation/pain" in detail(run(CHRONIC_BACK_AND_KNEE, [pain]))


def test_flags_list_the_findings_that_raised_them() -> None:
    left, right = condition("M54.42", days_ago(10)), condition("M54.41", days_ago(12))
    (bilateral,) = run([left, right]).findings.red_flags
    assert [f.reference for f in bilateral.facts] == ["Condition/c-M5442", "Condition/c-M5441"]
    (thoracic,) = run([condition("M54.6", days_ago(20))]).findings.red_flags
    assert [f.reference for f in thoracic.facts] == ["Condition/c-M546"]


def test_unspecified_back_pain_refers_a_knee_from_the_lumbar_spine() -> None:
    result = run([condition("M54.9", days_ago(20)), condition("M25.561")])
    assert cards(result)[0][2] == "Right knee pain may be referred from the lumbar spine"


def test_neck_pain_is_not_evidence_for_an_inflammatory_hip() -> None:
    spa = condition("M45.6", "2018-01-01", rid="as")
    neck = condition("M54.2", days_ago(20), rid="neck")
    result = run([spa, neck, condition("M54.50", "2025-01-01", rid="back"), condition("M25.551")])
    assert cards(result)[0][0] == "inflammatory-pattern"
    assert "Condition/neck" not in detail(result)
