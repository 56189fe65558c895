"""Joints explained by the same pattern in the same limb make one finding (clinical-logic.md
§2): its indicators are the joints' together, each fact listed once; its region is the one most
back complaints name; and a local explanation of the joint makes it `info`."""

from __future__ import annotations

from cds.engine import Finding, IndicatorResult
from cds.facts import Fact
from tests.support.facts import fact, findings_of, refs

BACK = fact("back-pain-lumbar", 200, "back")
HIPS = fact("joint-pain-hip", 30, "hips", side="bilateral")
RIGHT_KNEE = fact("joint-pain-knee", 30, "knee", side="right")
RIGHT_THIGH = fact("joint-pain-thigh", 30, "thigh", side="right")
RIGHT_SCIATICA = fact("radicular-lumbar", 30, "sciatica", side="right")


def only(*facts: Fact) -> Finding:
    (finding,) = findings_of(*facts).findings
    return finding


def indicator(finding: Finding, key: str) -> IndicatorResult:
    (found,) = [i for i in finding.indicators if i.key == key]
    return found


def test_both_hips_and_the_right_knee_make_one_finding_listing_each_fact_once() -> None:
    finding = only(BACK, HIPS, RIGHT_KNEE)
    assert [s.joint for s in finding.sites] == ["hip", "knee"]
    assert [i.key for i in finding.indicators] == [
        "radiating",
        "neurological",
        "provocation",
        "unilateral",
        "chronic-or-recurrent",
    ]
    assert refs(finding.joints) == ["hips", "knee"]
    assert refs(finding.back) == ["back"]
    one_sided = indicator(finding, "unilateral")
    assert one_sided.present and refs(one_sided.evidence) == ["knee"]
    assert refs(indicator(finding, "chronic-or-recurrent").evidence) == ["back"]
    assert finding.notes == ()


def test_the_opposite_side_note_of_one_joint_is_kept_on_the_merged_finding() -> None:
    both_legs = fact("radiating-pain", 30, "radiating", side="bilateral")
    left_numb = fact("numbness", 30, "numb", side="left")
    finding = only(BACK, HIPS, RIGHT_KNEE, both_legs, left_numb)
    assert [s.joint for s in finding.sites] == ["hip", "knee"]
    assert not indicator(finding, "unilateral").present
    assert finding.notes == ("opposite-side",)


def test_the_region_is_the_one_most_back_complaints_name() -> None:
    sacral = (fact("back-pain-sacral", 200, "s1"), fact("back-pain-sacral", 100, "s2"))
    hip = fact("joint-pain-hip", 30, "hip", side="right")
    finding = only(BACK, *sacral, hip)
    assert finding.region == "sacral"
    assert finding.roots == ("S1", "S2")


def test_local_explanations_of_other_joints_or_sides_are_skipped_not_the_rest() -> None:
    carpal_tunnel = fact("carpal-tunnel-syndrome", 300, "carpal")
    left_meralgia = fact("meralgia-paraesthetica", 300, "left", side="left")
    right_meralgia = fact("meralgia-paraesthetica", 300, "right", side="right")
    plain = only(BACK, RIGHT_THIGH, RIGHT_SCIATICA, carpal_tunnel, left_meralgia)
    assert (plain.level, plain.local) == ("warning", ())
    explained = only(
        BACK, RIGHT_THIGH, RIGHT_SCIATICA, carpal_tunnel, left_meralgia, right_meralgia
    )
    assert (explained.level, refs(explained.local)) == ("info", ["right"])


def test_pmr_still_explains_the_shoulder_when_impingement_is_set_aside_for_neck_pain() -> None:
    neck = fact("neck-pain", 200, "neck")
    shoulder = fact("joint-pain-shoulder", 30, "shoulder", side="right")
    impingement = fact("shoulder-impingement", 300, "impingement", side="right")
    pmr = fact("polymyalgia-rheumatica", 300, "pmr")
    assert refs(only(neck, shoulder, impingement).local) == []
    assert refs(only(neck, shoulder, impingement, pmr).local) == ["pmr"]


def test_a_radicular_thigh_finding_does_not_carry_the_spondyloarthritis() -> None:
    axspa = fact("axial-spondyloarthritis", 300, "axspa")
    finding = only(axspa, RIGHT_THIGH, RIGHT_SCIATICA)
    assert finding.pattern == "radicular"
    assert finding.diagnoses == () and finding.ng65 is None


def test_the_commonest_region_wins_whatever_its_name_or_place() -> None:
    sacral = fact("back-pain-sacral", 200, "s1")
    lumbar = (BACK, fact("back-pain-lumbar", 100, "back2"))
    hip = fact("joint-pain-hip", 30, "hip", side="right")
    assert only(sacral, *lumbar, hip).region == "lumbar"
