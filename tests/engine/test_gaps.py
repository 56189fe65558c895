"""The gaps a mutation run found (issue 12): each test is a mistake a clinician would notice."""

from __future__ import annotations

from typing import Any

import pytest

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
    text_condition,
)

RHEUMATOLOGY = "306290009"


def flags(evaluation: Any) -> list[tuple[str, str]]:
    return [(r.flag, r.tier) for r in evaluation.findings.red_flags]


# (a) Bladder symptoms are a cauda equina flag only with back or leg pain.


def test_new_urinary_incontinence_without_any_back_complaint_is_no_red_flag() -> None:
    result = run([condition("R32", days_ago(2))])
    assert flags(result) == []
    assert cards(result) == []


def test_new_urinary_incontinence_with_low_back_pain_is_a_cauda_equina_emergency() -> None:
    result = run([condition("M54.50", days_ago(20)), condition("R32", days_ago(2))])
    assert flags(result) == [("cauda-equina", "emergency")]
    assert cards(result)[0][:2] == ("red-flag", "critical")


def test_urinary_incontinence_with_only_neck_pain_is_no_cauda_equina_emergency() -> None:
    result = run([condition("M54.2", days_ago(20)), condition("R32", days_ago(2))])
    assert ("cauda-equina", "emergency") not in flags(result)


# (b) A progressive neurological deficit is an emergency red flag wherever it is recorded
# (clinical-logic.md §4: emergency when progressing).


def test_worsening_numbness_with_back_pain_is_a_progressive_deficit_red_flag() -> None:
    numb = condition("R20.2", days_ago(100), text="worsening numbness right leg", rid="numb")
    result = run([condition("M54.50", days_ago(200)), numb, condition("M25.561")])
    assert ("progressive-deficit", "emergency") in flags(result)
    topic, indicator, summary = cards(result)[0]
    assert (topic, indicator) == ("red-flag", "critical")
    assert "progressive neurological deficit" in summary


def test_old_stable_numbness_is_no_red_flag() -> None:
    numb = condition("R20.2", days_ago(100), text="numbness right leg", rid="numb")
    result = run([condition("M54.50", days_ago(200)), numb, condition("M25.561")])
    assert flags(result) == []
    assert [c[0] for c in cards(result)] == ["spinal-origin"]


@pytest.mark.parametrize(
    "said",
    [{"text": "progressive weakness of the right leg"}, {"valueString": "Worsening since Monday"}],
    ids=["code text", "value"],
)
def test_progressive_weakness_recorded_as_an_observation_is_a_red_flag(said: Any) -> None:
    weakness = observation("26544005", rid="weak", **said)
    result = run([condition("M54.50", days_ago(200))], [weakness])
    assert flags(result) == [("progressive-deficit", "emergency")]
    assert cards(result)[0][:2] == ("red-flag", "critical")
    stable = observation("26544005", rid="weak", valueString="Unchanged")
    assert flags(run([condition("M54.50", days_ago(200))], [stable])) == []


def test_a_progressive_deficit_needs_current_back_pain_unless_coded_as_one() -> None:
    numb = condition("R20.2", days_ago(100), text="worsening numbness right leg", rid="numb")
    assert flags(run([numb, condition("M25.561")])) == []
    coded = condition("progressive-neurological-deficit", system=FINDING)
    assert flags(run([coded])) == [("progressive-deficit", "emergency")]


# (c) A negative HLA-B27 does not complete the NG65 criteria.

NG65_THREE = [
    condition("M54.50", "2025-04-27"),
    condition("M25.551", days_ago(60)),
    condition("enthesitis", "2024-07-01", system=FINDING, status="resolved"),
    condition("L40.0", "2018-03-15", status="inactive"),
    condition("back-pain-improves-with-nsaid", days_ago(20), system=FINDING),
]
"""Back pain since 36 (born 1988-11-20), right hip pain, and three NG65 features."""

HLA_RESULTS: dict[str, dict[str, Any]] = {
    "SNOMED negative": {
        "valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260385009"}]}
    },
    "string negative": {"valueString": "Negative"},
    "interpretation NEG": {
        "interpretation": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation",
                        "code": "NEG",
                    }
                ]
            }
        ]
    },
    "boolean false": {"valueBoolean": False},
    "text not detected": {"valueCodeableConcept": {"text": "Not detected"}},
}


def hla_b27(**value: Any) -> dict[str, Any]:
    return observation("hla-b27", system=OBSERVATION, rid="hla", **value)


def test_positive_hla_b27_with_three_ng65_features_is_an_inflammatory_card() -> None:
    positive = hla_b27(valueCodeableConcept={"coding": [{"system": SNOMED, "code": "10828004"}]})
    result = run(NG65_THREE, [positive], birth_date="1988-11-20")
    assert [c[:2] for c in cards(result)] == [("inflammatory-pattern", "warning")]
    assert RHEUMATOLOGY in offered(result)


@pytest.mark.parametrize("value", HLA_RESULTS.values(), ids=HLA_RESULTS.keys())
def test_negative_hla_b27_with_three_ng65_features_is_no_inflammatory_card(
    value: dict[str, Any],
) -> None:
    result = run(NG65_THREE, [hla_b27(**value)], birth_date="1988-11-20")
    (finding,) = result.findings.findings
    assert finding.pattern != "inflammatory"
    assert [c[0] for c in cards(result)] == ["spinal-origin"]
    assert RHEUMATOLOGY not in offered(result)


# (d) Symptoms in the arm say nothing about a knee.

CHRONIC_BACK_AND_KNEE = [condition("M54.50", days_ago(500)), condition("M25.561")]


def test_chronic_back_pain_and_knee_pain_alone_is_an_info_card() -> None:
    assert [c[:2] for c in cards(run(CHRONIC_BACK_AND_KNEE))] == [("spinal-origin", "info")]


def test_numbness_in_the_leg_raises_the_knee_card_to_warning() -> None:
    leg = text_condition("numbness right leg", rid="leg")
    result = run([*CHRONIC_BACK_AND_KNEE, leg])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "warning")]


@pytest.mark.parametrize("words", ["numbness right arm", "tingling in the right hand"])
def test_numbness_in_the_arm_does_not_raise_the_knee_card(words: str) -> None:
    arm = text_condition(words, rid="arm")
    result = run([*CHRONIC_BACK_AND_KNEE, arm])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "info")]
    (finding,) = result.findings.findings
    assert not next(i for i in finding.indicators if i.key == "neurological").present


# (e) Sciatica that resolved years ago is history, not radiating pain today.


def test_current_sciatica_raises_the_knee_card_to_warning() -> None:
    sciatica = condition("M54.41", days_ago(40), rid="sci")
    result = run([*CHRONIC_BACK_AND_KNEE, sciatica])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "warning")]


@pytest.mark.parametrize(
    "status,abated",
    [("resolved", "2016-03-01"), ("inactive", "2019-05-01"), ("remission", days_ago(400))],
)
def test_sciatica_resolved_years_ago_does_not_raise_the_knee_card(status: str, abated: str) -> None:
    old = condition("M54.41", "2015-01-01", status=status, rid="sci", abatementDateTime=abated)
    result = run([*CHRONIC_BACK_AND_KNEE, old])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "info")]
    (finding,) = result.findings.findings
    assert not next(i for i in finding.indicators if i.key == "radiating").present


def test_sciatica_written_as_resolved_does_not_raise_the_knee_card() -> None:
    old = text_condition("right sciatica, resolved in 2016", "2015-01-01", rid="sci")
    result = run([*CHRONIC_BACK_AND_KNEE, old])
    assert [c[:2] for c in cards(result)] == [("spinal-origin", "info")]
