"""NICE NG65 referral criteria for suspected axial spondyloarthritis, at each threshold.

rules.json: back pain for more than 90 days, starting before age 45, with 4 or more features,
or 3 or more with a positive HLA-B27; onset before 35 is itself a feature.
"""

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
    offered,
    run,
)

RHEUMATOLOGY = "306290009"
BACK_SINCE = "2025-06-01"
"""A year of low back pain; a patient born on BORN_36 was 35 when it started."""
BORN_36 = "1990-01-15"
HIP = condition("M25.551", days_ago(60))
FEATURES = {
    "night-waking": condition("night-waking-second-half", system=FINDING, rid="f1"),
    "improves-with-movement": condition(
        "back-pain-improves-with-movement", system=FINDING, rid="f2"
    ),
    "nsaid-response": condition("back-pain-improves-with-nsaid", system=FINDING, rid="f3"),
    "family-history": condition("Z82.61", rid="f4"),
    "enthesitis": condition("enthesitis", "2024-07-01", system=FINDING, status="resolved"),
}


def features(n: int) -> list[dict[str, Any]]:
    return list(FEATURES.values())[:n]


def hla_b27(code: str) -> dict[str, Any]:
    value = {"coding": [{"system": SNOMED, "code": code}]}
    return observation("hla-b27", system=OBSERVATION, rid="hla", valueCodeableConcept=value)


HLA_POSITIVE = hla_b27("10828004")
HLA_NEGATIVE = hla_b27("260385009")


def evaluate_ng65(
    n: int,
    *,
    back_since: str = BACK_SINCE,
    born: str = BORN_36,
    observations: list[dict[str, Any]] | None = None,
    extra: list[dict[str, Any]] | None = None,
) -> Evaluation:
    back = condition("M54.50", back_since, rid="back")
    return run([back, HIP, *features(n), *(extra or [])], observations, birth_date=born)


def inflammatory(result: Evaluation) -> bool:
    """The clinician sees the inflammatory card with a rheumatology referral, or does not."""
    shown = [c[:2] for c in cards(result)] == [("inflammatory-pattern", "warning")]
    assert shown == (RHEUMATOLOGY in offered(result))
    return shown


def test_four_features_meet_the_criteria_three_do_not() -> None:
    assert inflammatory(evaluate_ng65(4))
    three = evaluate_ng65(3)
    assert not inflammatory(three)
    assert [c[0] for c in cards(three)] == ["spinal-origin"]


def test_the_features_found_and_missing_are_named() -> None:
    (finding,) = evaluate_ng65(4).findings.findings
    assert finding.ng65 is not None
    assert finding.ng65.features == (
        "night-waking",
        "improves-with-movement",
        "nsaid-response",
        "family-history",
    )
    assert "enthesitis" in finding.ng65.missing and "psoriasis" in finding.ng65.missing
    assert finding.ng65.duration_days == 365
    assert finding.ng65.onset_age == 35


def test_three_features_with_a_positive_hla_b27_meet_the_criteria() -> None:
    met = evaluate_ng65(3, observations=[HLA_POSITIVE])
    assert inflammatory(met)
    detail = met.cards[0].card["detail"]
    assert "**NICE NG65 criteria:**" in detail and "HLA-B27 positive" in detail
    assert not inflammatory(evaluate_ng65(2, observations=[HLA_POSITIVE]))
    assert not inflammatory(evaluate_ng65(3, observations=[HLA_NEGATIVE]))


def test_a_positive_result_wins_over_a_negative_one() -> None:
    negative_again = hla_b27("260385009") | {"id": "hla-2"}
    assert inflammatory(evaluate_ng65(3, observations=[HLA_NEGATIVE, HLA_POSITIVE]))
    assert inflammatory(evaluate_ng65(3, observations=[negative_again, HLA_POSITIVE]))


def test_back_pain_for_more_than_ninety_days() -> None:
    assert not inflammatory(evaluate_ng65(4, back_since=days_ago(90)))
    assert inflammatory(evaluate_ng65(4, back_since=days_ago(91)))


def test_duration_counts_from_the_earliest_current_back_complaint() -> None:
    older = condition("M54.59", days_ago(91), rid="older")
    assert inflammatory(evaluate_ng65(4, back_since=days_ago(30), extra=[older]))


def test_onset_before_forty_five() -> None:
    assert inflammatory(evaluate_ng65(4, born="1980-06-02"))  # 44 when the pain began
    assert not inflammatory(evaluate_ng65(4, born="1980-06-01"))  # 45 that day


def test_onset_before_thirty_five_is_a_feature() -> None:
    early = evaluate_ng65(3, born="1990-06-02")  # 34 when the pain began
    assert inflammatory(early)
    assert early.findings.findings[0].ng65 is not None
    assert "onset-before-35" in early.findings.findings[0].ng65.features
    assert not inflammatory(evaluate_ng65(3, born="1990-06-01"))  # 35 that day


def test_buttock_pain_is_a_feature() -> None:
    buttock = condition("279043006", system=SNOMED, rid="buttock")
    result = evaluate_ng65(3, extra=[buttock])
    assert inflammatory(result)
    criteria = result.findings.findings[0].ng65
    assert criteria is not None and "buttock-pain" in criteria.features


def test_a_denied_feature_does_not_count() -> None:
    denied = condition(
        "back-pain-improves-with-nsaid",
        system=FINDING,
        rid="denied",
        verificationStatus={
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "refuted",
                }
            ]
        },
    )
    three = [
        FEATURES["night-waking"],
        FEATURES["improves-with-movement"],
        FEATURES["family-history"],
    ]
    back = condition("M54.50", BACK_SINCE, rid="back")
    assert not inflammatory(run([back, HIP, *three, denied], birth_date=BORN_36))


def test_a_resolved_symptom_no_longer_counts_but_past_enthesitis_does() -> None:
    back = condition("M54.50", BACK_SINCE, rid="back")
    waking_then = condition(
        "night-waking-second-half", "2025-07-01", system=FINDING, status="resolved", rid="f1"
    )
    others = [FEATURES["improves-with-movement"], FEATURES["nsaid-response"]]
    assert not inflammatory(
        run([back, HIP, waking_then, *others, FEATURES["family-history"]], birth_date=BORN_36)
    )
    assert inflammatory(
        run(
            [back, HIP, *others, FEATURES["family-history"], FEATURES["enthesitis"]],
            birth_date=BORN_36,
        )
    )


def test_neck_pain_alone_does_not_start_the_clock() -> None:
    neck = condition("M54.2", BACK_SINCE, rid="back")
    low_back_recent = condition("M54.50", days_ago(30), rid="recent")
    result = run([neck, low_back_recent, HIP, *features(4)], birth_date=BORN_36)
    assert not inflammatory(result)
