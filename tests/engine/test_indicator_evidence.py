"""The five indicators for one joint (clinical-logic.md §3): which findings count as evidence
for which joint, what was looked for and found absent, and the notes the card prints."""

from __future__ import annotations

from dataclasses import replace

import pytest

from cds.engine import Finding, IndicatorResult
from cds.engine.context import build_context
from cds.engine.indicators import chronic_or_recurrent
from cds.facts import Fact, Facts
from tests.support.facts import ADULT, TERM, TODAY, fact, findings_of, on, refs

LOW_BACK = fact("back-pain-lumbar", 200, "back")
RIGHT_KNEE = fact("joint-pain-knee", 30, "knee", side="right")


def finding_for(joint: str, *facts: Fact) -> Finding:
    (found,) = [f for f in findings_of(*facts).findings if f.sites[0].joint == joint]
    return found


def indicator(finding: Finding, key: str) -> IndicatorResult:
    (found,) = [i for i in finding.indicators if i.key == key]
    return found


def test_a_leg_test_is_no_neurological_evidence_for_the_shoulder() -> None:
    neck = fact("neck-pain", 200, "neck")
    shoulder = fact("joint-pain-shoulder", 30, "shoulder", side="right")
    slr = fact("positive-straight-leg-raise", 10, "slr", side="right")
    tingling = fact("paraesthesia", 10, "tingling", side="right")
    without = finding_for("shoulder", neck, shoulder, slr)
    assert not indicator(without, "neurological").present
    with_tingling = finding_for("shoulder", neck, shoulder, slr, tingling)
    assert refs(indicator(with_tingling, "neurological").evidence) == ["tingling"]


@pytest.mark.parametrize(("provoked_at", "counts"), [(None, True), ("knee", True), ("hip", False)])
def test_pain_provoked_by_spinal_movement_counts_for_its_own_joint(
    provoked_at: str | None, counts: bool
) -> None:
    provoked = fact("spinal-movement-provocation", 10, "provoked", joint=provoked_at)
    found = indicator(finding_for("knee", LOW_BACK, RIGHT_KNEE, provoked), "provocation")
    assert refs(found.evidence) == (["provoked"] if counts else [])
    assert found.present is counts


@pytest.mark.parametrize(("denied_at", "listed"), [(None, True), ("knee", True), ("hip", False)])
def test_provocation_looked_for_and_denied_is_listed_as_absent(
    denied_at: str | None, listed: bool
) -> None:
    denied = fact("spinal-movement-provocation", 10, "denied", joint=denied_at, negated=True)
    found = indicator(finding_for("knee", LOW_BACK, RIGHT_KNEE, denied), "provocation")
    assert not found.present
    assert refs(found.checked_absent) == (["denied"] if listed else [])


def test_radiating_pain_on_the_same_side_is_the_evidence() -> None:
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="right")
    found = indicator(finding_for("knee", LOW_BACK, RIGHT_KNEE, sciatica), "radiating")
    assert found.present and refs(found.evidence) == ["sciatica"]


def test_right_knee_with_right_sciatica_is_one_sided_despite_left_numbness() -> None:
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="right")
    numb = fact("numbness", 30, "numb", side="left")
    finding = finding_for("knee", LOW_BACK, RIGHT_KNEE, sciatica, numb)
    found = indicator(finding, "unilateral")
    assert found.present and refs(found.evidence) == ["knee"]
    assert found.note == "" and finding.notes == ()


def test_right_knee_with_left_sciatica_only_is_noted_as_the_opposite_side() -> None:
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="left")
    finding = finding_for("knee", LOW_BACK, RIGHT_KNEE, sciatica)
    found = indicator(finding, "unilateral")
    assert not found.present and found.evidence == ()
    assert found.note == "opposite-side" and finding.notes == ("opposite-side",)


def test_pain_in_both_knees_is_not_one_sided_and_carries_no_note() -> None:
    both = fact("joint-pain-knee", 30, "knees", side="bilateral")
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="right")
    finding = finding_for("knee", LOW_BACK, both, sciatica)
    found = indicator(finding, "unilateral")
    assert not found.present and found.evidence == () and found.note == ""
    assert finding.notes == ()


def test_long_standing_back_pain_is_the_chronic_evidence() -> None:
    found = indicator(finding_for("knee", LOW_BACK, RIGHT_KNEE), "chronic-or-recurrent")
    assert found.present and refs(found.evidence) == ["back"]


def chronic(*back: Fact) -> list[str]:
    ctx = build_context(Facts("p", ADULT, facts=back), TERM, TODAY)
    return refs(chronic_or_recurrent(ctx, ctx.back))


def resolved(lasted: int, ref: str = "before") -> Fact:
    """A low back pain episode that began 400 days ago and lasted `lasted` days."""
    return fact("back-pain-lumbar", 400, ref, current=False, abatement=on(400 - lasted))


CHRONIC: list[tuple[str, tuple[Fact, ...], list[str]]] = [
    ("new back pain", (fact("back-pain-lumbar", 20, "now"),), []),
    ("new back pain coded as chronic", (fact("back-pain-chronic", 20, "now"),), ["now"]),
    ("current back pain of 85 days", (fact("back-pain-lumbar", 85, "now"),), ["now"]),
    ("current back pain of 84 days", (fact("back-pain-lumbar", 84, "now"),), []),
    ("a past episode that lasted 85 days", (resolved(85),), ["before"]),
    ("a past episode that lasted 84 days", (resolved(84),), []),
    ("a past episode of unknown length", (replace(resolved(30), abatement=None),), []),
    (
        "a short past episode and new back pain again: recurrent",
        (resolved(30), fact("back-pain-lumbar", 20, "now")),
        ["before", "now"],
    ),
    (
        "back pain recorded as a recurrence",
        (fact("back-pain-lumbar", 20, "now", clinical_status="recurrence"),),
        ["now"],
    ),
]


@pytest.mark.parametrize(
    ("back", "expected"), [c[1:] for c in CHRONIC], ids=[c[0] for c in CHRONIC]
)
def test_chronic_or_recurrent_back_pain(back: tuple[Fact, ...], expected: list[str]) -> None:
    assert chronic(*back) == expected
