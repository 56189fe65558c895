"""Red flags: the most urgent first, and each time window at its edge (rules.json "days")."""

from __future__ import annotations

from typing import Any

from cds.evaluation import Evaluation
from tests.support.clinical_records import LOINC, cards, condition, days_ago, observation, run


def flags(result: Evaluation) -> list[tuple[str, str]]:
    return [(r.flag, r.tier) for r in result.findings.red_flags]


def new_back_pain(days: int = 20) -> dict[str, Any]:
    return condition("M54.50", days_ago(days), rid="back")


def test_emergency_comes_first_whatever_the_record_order() -> None:
    result = run(
        [
            new_back_pain(),
            condition("R63.4", days_ago(40)),  # weight loss: urgent
            condition("Z85.3", "2015-01-01", status="resolved"),  # treated cancer: urgent
            condition("R33.9", days_ago(1)),  # urinary retention: emergency
        ]
    )
    assert flags(result) == [
        ("cauda-equina", "emergency"),
        ("weight-loss", "urgent"),
        ("cancer", "urgent"),
    ]
    (topic, indicator, summary), *_ = cards(result)
    assert (topic, indicator) == ("red-flag", "critical")
    assert summary.startswith("Red flag: possible cauda equina syndrome")
    assert summary.index("cauda equina") < summary.index("weight loss")


def test_urgent_flags_keep_the_record_order() -> None:
    result = run([new_back_pain(), condition("Z85.3", "2015-01-01"), condition("R63.4")])
    assert flags(result) == [("cancer", "urgent"), ("weight-loss", "urgent")]


def test_each_flag_is_named_once_with_all_its_findings() -> None:
    result = run(
        [new_back_pain(), condition("R33.9", days_ago(1)), condition("R15.9", days_ago(2))]
    )
    (flag,) = result.findings.red_flags
    assert (flag.flag, flag.tier) == ("cauda-equina", "emergency")
    assert [f.reference for f in flag.facts] == ["Condition/c-R339", "Condition/c-R159"]
    assert [b.reference for b in flag.back] == ["Condition/back"]


def test_a_cauda_equina_symptom_is_an_emergency_for_fourteen_days_then_urgent() -> None:
    assert flags(run([new_back_pain(), condition("R33.9", days_ago(14))])) == [
        ("cauda-equina", "emergency")
    ]
    older = run([new_back_pain(), condition("R33.9", days_ago(15))])
    assert flags(older) == [("cauda-equina", "urgent")]
    assert older.findings.red_flags[0].route == "cauda-equina-late"
    before_the_back_pain = run([new_back_pain(), condition("R33.9", days_ago(21))])
    assert flags(before_the_back_pain) == []
    assert [f.reference for f in before_the_back_pain.findings.stable] == ["Condition/c-R339"]


def test_an_old_symptom_that_is_worsening_is_a_flag() -> None:
    worse = condition("R33.9", days_ago(300), text="urinary retention, worsening")
    assert flags(run([new_back_pain(), worse])) == [("cauda-equina", "emergency")]


def test_a_resolved_cauda_equina_symptom_is_no_flag() -> None:
    gone = condition("R33.9", days_ago(3), status="resolved", abatementDateTime=days_ago(1))
    result = run([new_back_pain(), gone])
    assert flags(result) == [] and result.findings.stable == ()


def test_cancer_history_needs_back_pain_that_began_within_twelve_weeks() -> None:
    cancer = condition("Z85.3", "2015-01-01", status="resolved")
    assert flags(run([new_back_pain(84), cancer])) == [("cancer", "urgent")]
    assert flags(run([new_back_pain(85), cancer])) == []
    assert flags(run([cancer])) == []


def test_a_coded_fever_counts_for_seven_days() -> None:
    assert flags(run([new_back_pain(), condition("R50.9", days_ago(7))])) == [
        ("infection", "urgent")
    ]
    assert flags(run([new_back_pain(), condition("R50.9", days_ago(8))])) == []


def temperature(celsius: float, days: int) -> dict[str, Any]:
    return observation(
        "8310-5",
        system=LOINC,
        rid="temp",
        effective=days_ago(days),
        valueQuantity={"value": celsius, "unit": "Cel"},
    )


def test_a_temperature_of_thirty_eight_within_seven_days_is_a_fever() -> None:
    assert flags(run([new_back_pain()], [temperature(38.0, 7)])) == [("infection", "urgent")]
    assert flags(run([new_back_pain()], [temperature(37.9, 1)])) == []
    assert flags(run([new_back_pain()], [temperature(39.0, 8)])) == []
    assert flags(run([], [temperature(39.0, 1)])) == []
    (flag,) = run([new_back_pain()], [temperature(38.0, 7)]).findings.red_flags
    assert [m.reference for m in flag.measurements] == ["Observation/temp"]


def test_weight_loss_needs_back_pain_that_began_within_twelve_weeks() -> None:
    assert flags(run([condition("R63.4")])) == []
    assert flags(run([new_back_pain(84), condition("R63.4")])) == [("weight-loss", "urgent")]
    assert flags(run([new_back_pain(85), condition("R63.4")])) == []


def test_new_thoracic_back_pain_from_fifty_is_an_urgent_flag() -> None:
    assert flags(run([condition("M54.6", days_ago(84))], birth_date="1976-01-01")) == [
        ("thoracic-pain", "urgent")
    ]
    assert flags(run([condition("M54.6", days_ago(20))], birth_date="1977-06-01")) == []
    assert flags(run([condition("M54.6", days_ago(85))], birth_date="1976-01-01")) == []
    assert flags(run([condition("M54.6", days_ago(20), status="resolved")])) == []


def test_new_sciatica_on_both_sides_is_cauda_equina() -> None:
    left, right = condition("M54.42", days_ago(10)), condition("M54.41", days_ago(14))
    assert flags(run([left, right])) == [("cauda-equina", "emergency")]
    assert flags(run([left, condition("M54.41", days_ago(15))])) == []
    assert flags(run([left])) == []


def test_a_coded_cauda_equina_syndrome_is_an_emergency_for_fourteen_days_then_urgent() -> None:
    assert flags(run([condition("G83.4", days_ago(14))])) == [("cauda-equina", "emergency")]
    older = run([condition("G83.4", days_ago(15))])
    assert flags(older) == [("cauda-equina", "urgent")]
    assert older.findings.red_flags[0].route == "cauda-equina-late"
    assert flags(run([condition("G83.4", "2020-01-01")])) == [("cauda-equina", "urgent")]


def test_an_old_foot_drop_is_asked_about_not_flagged() -> None:
    old = condition("M21.371", "2023-01-01")
    result = run([new_back_pain(), old])
    assert flags(result) == []
    assert [f.reference for f in result.findings.stable] == ["Condition/c-M21371"]
    assert flags(run([new_back_pain(), condition("M21.371", days_ago(14))])) == [
        ("progressive-deficit", "urgent")
    ]


def test_the_cancer_card_mentions_age_only_over_fifty() -> None:
    conditions = [new_back_pain(), condition("Z85.3", "2015-01-01", status="resolved")]
    fifty = run(conditions, birth_date="1976-06-01")
    fifty_one = run(conditions, birth_date="1975-06-01")
    assert not fifty.findings.age_concern and fifty_one.findings.age_concern
    assert "Age over 50" not in fifty.cards[0].card["detail"]
    assert "Age over 50" in fifty_one.cards[0].card["detail"]


def test_age_is_not_mentioned_on_a_weight_loss_card() -> None:
    result = run([new_back_pain(), condition("R63.4")], birth_date="1950-06-01")
    assert result.findings.age_concern and flags(result) == [("weight-loss", "urgent")]
    assert "Age over 50" not in result.cards[0].card["detail"]
