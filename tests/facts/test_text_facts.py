"""Facts read from text: where text is read, and what each assertion makes of a phrase."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.facts.test_facts import CM, SCT, condition, facts_of, observation

HYPERTENSION = "38341003"


def text_condition(text: str, rid: str = "t1", **extra: Any) -> dict[str, Any]:
    resource = condition("x", rid=rid, **extra)
    resource["code"] = {"text": text}
    return resource


def by_concept(**kwargs: Any) -> dict[str, Any]:
    return {(f.concept, f.reference): f for f in facts_of(**kwargs).facts}


def test_each_assertion_is_kept_on_the_fact() -> None:
    facts = by_concept(
        conditions=[
            text_condition("?CES", "a"),
            text_condition("History of breast cancer", "b"),
            text_condition("No fever", "c"),
            text_condition("Father has ankylosing spondylitis", "d"),
        ]
    )
    ces = facts["cauda-equina-syndrome", "Condition/a"]
    assert (ces.assertion, ces.current, ces.negated, ces.confidence) == (
        "uncertain",
        True,
        False,
        "text",
    )
    cancer = facts["malignancy", "Condition/b"]
    assert (cancer.assertion, cancer.current, cancer.negated) == ("historical", False, False)
    fever = facts["fever", "Condition/c"]
    assert (fever.assertion, fever.negated) == ("negated", True)
    relative = facts["ng65-family-history", "Condition/d"]
    assert relative.assertion == "family"
    assert ("axial-spondyloarthritis", "Condition/d") not in facts


def test_a_conditional_phrase_is_no_fact() -> None:
    facts = facts_of(conditions=[text_condition("Attend ED if urinary retention develops")])
    assert facts.facts == ()


def test_notes_of_a_read_condition_are_read_with_their_time() -> None:
    sciatica = condition(
        "M54.41",
        note=[{"text": "New urinary retention since Saturday.", "time": "2026-05-30T09:00:00Z"}],
        onsetDateTime="2026-04-01",
    )
    facts = by_concept(conditions=[sciatica])
    retention = facts["cauda-equina-symptom", "Condition/c1"]
    assert retention.onset == date(2026, 5, 30)
    assert retention.label == "New urinary retention since Saturday."
    assert facts["radicular-lumbar", "Condition/c1"].onset == date(2026, 4, 1)


def test_notes_of_a_resource_coded_as_something_else_are_not_read() -> None:
    other = condition(HYPERTENSION, system=SCT, note=[{"text": "Urinary retention"}])
    assert facts_of(conditions=[other]).facts == ()


def test_observation_string_values_and_notes_are_read() -> None:
    screen = observation("x", valueString="Saddle anaesthesia. No urinary retention.")
    screen["code"] = {"text": "Cauda equina screen"}
    noted = observation("M54.5", system=CM, rid="o2", note=[{"text": "Reports fever"}])
    found = [(f.concept, f.assertion) for f in facts_of(observations=[screen, noted]).facts]
    assert found == [
        ("cauda-equina-symptom", "affirmed"),
        ("cauda-equina-symptom", "negated"),
        ("back-pain-lumbar", "affirmed"),
        ("fever", "affirmed"),
    ]


def test_numbness_at_the_perineum_is_saddle_anaesthesia_but_at_one_buttock_not() -> None:
    perineum = {"coding": [{"system": SCT, "code": "38864007"}]}
    left_buttock = {
        "coding": [{"system": SCT, "code": "46862004"}, {"system": SCT, "code": "7771000"}]
    }
    facts = by_concept(
        conditions=[
            condition("R20.0", rid="a", bodySite=[perineum]),
            condition("R20.0", rid="b", bodySite=[left_buttock]),
        ]
    )
    assert ("cauda-equina-symptom", "Condition/a") in facts
    assert ("numbness", "Condition/a") in facts
    assert ("cauda-equina-symptom", "Condition/b") not in facts


def test_hla_b27_named_in_text_counts_only_with_its_result() -> None:
    notes = [
        {"text": "HLA-B27 positive."},
        {"text": "HLA-B27 negative."},
        {"text": "HLA-B27 requested."},
    ]
    back = condition("M54.50", note=notes)
    results = [m.abnormal for m in facts_of(conditions=[back]).measurements]
    assert results == [True, False]
