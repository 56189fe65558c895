"""Likelier explanations the record does not yet name (clinical-logic.md §2): a polymyalgia
rheumatica picture (50 or over, bilateral shoulder or hip girdle pain, raised ESR or CRP) and
pelvic girdle pain in pregnancy. Each named picture makes the finding `info`."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.engine import Finding, Findings
from cds.evaluation import evaluate
from cds.facts.record import PatientRecord
from tests.support.clinical_records import (
    LOINC,
    SNOMED,
    condition,
    days_ago,
    observation,
)

AGE_70 = "1956-06-01"
"""Seventy on the fixtures' day (2026-06-01)."""


def findings_of(
    conditions: list[dict[str, Any]],
    observations: list[dict[str, Any]] | None = None,
    *,
    birth_date: str | None = AGE_70,
    gender: str = "female",
) -> Findings:
    patient: dict[str, Any] = {"resourceType": "Patient", "id": "p", "gender": gender}
    if birth_date:
        patient["birthDate"] = birth_date
    record = PatientRecord("p", patient, conditions=conditions, observations=observations or [])
    return evaluate(record, "patient-view", FIXTURES_NOW).findings


def pictures(found: Findings) -> list[tuple[str | None, tuple[tuple[str, str], ...], str, str]]:
    """(picture, sites, region, level) of each finding."""
    return [
        (f.picture, tuple((s.joint, s.side) for s in f.sites), f.region, f.level)
        for f in found.findings
    ]


def esr(value: float, rid: str = "esr", effective: str | None = None) -> dict[str, Any]:
    return observation(
        "4537-7", system=LOINC, rid=rid, effective=effective, valueQuantity={"value": value}
    )


def crp(value: float) -> dict[str, Any]:
    return observation("1988-5", system=LOINC, rid="crp", valueQuantity={"value": value})


NECK = condition("M54.2", rid="neck")
LOW_BACK = condition("M54.50", rid="lbp")
BACK_UNSPECIFIED = condition("M54.9", rid="back")
BOTH_SHOULDERS = [condition("M25.511", rid="r-sh"), condition("M25.512", rid="l-sh")]
BOTH_HIPS = [condition("M25.551", rid="r-hip"), condition("M25.552", rid="l-hip")]
RIGHT_HIP = condition("M25.551", rid="r-hip")
BUTTOCK = condition("279043006", system=SNOMED, rid="buttock")
CERVICAL_RADICULOPATHY = condition("M54.12", rid="rad")
SCIATICA = condition("M54.30", rid="sciatica")
TINGLING = condition("R20.2", rid="tingling")
PREGNANT = condition("Z34", days_ago(60), rid="pregnancy")
AGE_30 = "1996-01-01"

SHOULDERS_PMR = ("pmr", (("shoulder", "bilateral"),), "cervical", "info")


def test_neck_and_both_shoulders_with_a_raised_esr_name_a_pmr_picture() -> None:
    assert pictures(findings_of([NECK, *BOTH_SHOULDERS], [esr(62)])) == [SHOULDERS_PMR]


def test_a_normal_esr_names_no_pmr_picture_and_gives_no_card_without_indicators() -> None:
    assert pictures(findings_of([NECK, *BOTH_SHOULDERS], [esr(10)])) == []


def test_one_painful_shoulder_is_no_girdle_picture() -> None:
    found = findings_of([NECK, condition("M25.511", rid="r-sh")], [esr(62)])
    assert [(f.picture, f.level) for f in found.findings] == [(None, "info")]


# ESR above (age + 10) / 2 for women and age / 2 for men; CRP above 5 mg/L (rules.json).
@pytest.mark.parametrize(
    ("gender", "esr_value", "named"),
    [
        ("female", 35, False),
        ("female", 38, False),
        ("female", 40, False),
        ("female", 40.5, True),
        ("male", 30, False),
        ("male", 35, False),
        ("male", 35.5, True),
        ("male", 38, True),
    ],
)
def test_esr_is_raised_above_the_sex_adjusted_limit_at_seventy(
    gender: str, esr_value: float, named: bool
) -> None:
    found = findings_of([NECK, *BOTH_SHOULDERS], [esr(esr_value)], gender=gender)
    assert pictures(found) == ([SHOULDERS_PMR] if named else [])


@pytest.mark.parametrize(("crp_value", "named"), [(5, False), (5.5, True)])
def test_crp_is_raised_above_five(crp_value: float, named: bool) -> None:
    found = findings_of([NECK, *BOTH_SHOULDERS], [crp(crp_value)])
    assert pictures(found) == ([SHOULDERS_PMR] if named else [])


@pytest.mark.parametrize(("birth_date", "named"), [("1976-06-01", True), ("1976-06-02", False)])
def test_pmr_is_considered_from_fifty(birth_date: str, named: bool) -> None:
    found = findings_of([NECK, *BOTH_SHOULDERS], [esr(62)], birth_date=birth_date)
    assert pictures(found) == ([SHOULDERS_PMR] if named else [])


def test_no_birth_date_names_no_pmr_picture() -> None:
    assert pictures(findings_of([NECK, *BOTH_SHOULDERS], [esr(62)], birth_date=None)) == []


def test_a_recorded_pmr_diagnosis_is_not_named_again_as_a_picture() -> None:
    pmr = condition("M35.3", rid="pmr")
    found = findings_of([NECK, *BOTH_SHOULDERS, pmr], [esr(62)])
    assert all(f.picture is None for f in found.findings)


def test_the_latest_esr_decides_whatever_the_record_order() -> None:
    old_raised = esr(62, "esr-old", days_ago(60))
    new_normal = esr(12, "esr-new", days_ago(5))
    assert pictures(findings_of([NECK, *BOTH_SHOULDERS], [new_normal, old_raised])) == []
    old_normal = esr(12, "esr-old", days_ago(60))
    new_raised = esr(62, "esr-new", days_ago(5))
    found = findings_of([NECK, *BOTH_SHOULDERS], [new_raised, old_normal])
    assert pictures(found) == [SHOULDERS_PMR]


def test_an_undated_esr_does_not_outrank_a_dated_one() -> None:
    undated = esr(62, "esr-undated")
    del undated["effectiveDateTime"]
    dated_normal = esr(12, "esr-dated", days_ago(5))
    assert pictures(findings_of([NECK, *BOTH_SHOULDERS], [dated_normal, undated])) == []


def test_a_spinal_finding_on_both_shoulders_becomes_info_and_names_pmr() -> None:
    spinal = [NECK, CERVICAL_RADICULOPATHY, TINGLING, *BOTH_SHOULDERS]
    (finding,) = findings_of(spinal, [esr(62)]).findings
    assert (finding.picture, finding.level) == ("pmr", "info")
    assert {i.key for i in finding.present} == {"radiating", "neurological"}
    (normal,) = findings_of(spinal, [esr(10)]).findings
    assert (normal.picture, normal.level) == (None, "warning")


def test_an_inflammatory_finding_is_not_renamed_pmr() -> None:
    spondyloarthritis = condition("M45", rid="as")
    (finding,) = findings_of([spondyloarthritis, *BOTH_HIPS], [esr(62)]).findings
    assert (finding.pattern, finding.picture, finding.level) == ("inflammatory", None, "warning")


def test_a_finding_already_explained_locally_is_not_renamed_pmr() -> None:
    osteoarthritis = condition("M16.0", rid="oa-hips")
    record = [LOW_BACK, SCIATICA, TINGLING, *BOTH_HIPS, osteoarthritis]
    found = findings_of(record, [esr(62)])
    assert [(f.local != (), f.picture) for f in found.findings] == [(True, None)]


# Back pain and the girdle meet but no spinal finding covers the joints: a finding of its own,
# in the back complaint's region (cervical for PMR, lumbar for pelvic girdle pain if unknown).


@pytest.mark.parametrize(
    ("back", "joints", "expected"),
    [
        ([LOW_BACK], BOTH_SHOULDERS, ("pmr", (("shoulder", "bilateral"),), "lumbar", "info")),
        ([BACK_UNSPECIFIED], BOTH_SHOULDERS, SHOULDERS_PMR),
        (
            [BACK_UNSPECIFIED, LOW_BACK],
            BOTH_HIPS,
            ("pmr", (("hip", "bilateral"),), "lumbar", "info"),
        ),
    ],
)
def test_an_uncovered_girdle_gets_a_pmr_finding_in_the_back_region(
    back: list[dict[str, Any]], joints: list[dict[str, Any]], expected: tuple[Any, ...]
) -> None:
    found = findings_of([*back, *joints], [esr(62)])
    assert pictures(found) == [expected]
    assert [f.score for f in found.findings] == [0]


def test_a_pmr_finding_without_a_current_back_complaint_is_not_made() -> None:
    old_neck = condition("M54.2", days_ago(400), rid="neck", status="resolved")
    found = findings_of([old_neck, *BOTH_SHOULDERS], [esr(62)])
    assert all(f.picture != "pmr" for f in found.findings)


def test_shoulders_and_hips_share_one_pmr_finding() -> None:
    found = findings_of([NECK, *BOTH_SHOULDERS, *BOTH_HIPS], [esr(62)])
    pmr = [f for f in found.findings if f.picture == "pmr"]
    assert {(s.joint, s.side) for f in pmr for s in f.sites} == {
        ("shoulder", "bilateral"),
        ("hip", "bilateral"),
    }


def test_hip_pain_in_pregnancy_is_named_pelvic_girdle_pain() -> None:
    found = findings_of([PREGNANT, LOW_BACK, RIGHT_HIP], birth_date=AGE_30)
    assert pictures(found) == [("pelvic-girdle-pain", (("hip", "right"),), "lumbar", "info")]
    (finding,) = found.findings
    assert finding.score == 1.0 and [i.key for i in finding.present] == ["unilateral"]


def test_buttock_pain_in_pregnancy_with_unsited_back_pain_is_lumbar() -> None:
    found = findings_of([PREGNANT, BACK_UNSPECIFIED, BUTTOCK], birth_date=AGE_30)
    assert pictures(found) == [("pelvic-girdle-pain", (("buttock", "unknown"),), "lumbar", "info")]


def test_knee_pain_in_pregnancy_is_not_pelvic_girdle_pain() -> None:
    knee = condition("M25.561", rid="r-knee")
    found = findings_of([PREGNANT, LOW_BACK, knee], birth_date=AGE_30)
    assert [(f.picture, f.level) for f in found.findings] == [(None, "info")]


def test_hip_pain_without_pregnancy_is_not_pelvic_girdle_pain() -> None:
    found = findings_of([LOW_BACK, SCIATICA, TINGLING, RIGHT_HIP], birth_date=AGE_30)
    assert [(f.picture, f.level) for f in found.findings] == [(None, "warning")]


def test_a_spinal_finding_on_the_hip_in_pregnancy_becomes_pelvic_girdle_pain() -> None:
    record = [PREGNANT, LOW_BACK, SCIATICA, TINGLING, RIGHT_HIP]
    (finding,) = findings_of(record, birth_date=AGE_30).findings
    assert (finding.picture, finding.level) == ("pelvic-girdle-pain", "info")


def test_recorded_pelvic_girdle_pain_is_not_named_again() -> None:
    recorded = condition("O26.7", rid="pgp")
    found = findings_of([PREGNANT, LOW_BACK, RIGHT_HIP, recorded], birth_date=AGE_30)
    assert all(f.picture is None for f in found.findings)


def test_a_pregnant_woman_of_fifty_can_have_both_pictures_named() -> None:
    record = [PREGNANT, NECK, *BOTH_SHOULDERS, BUTTOCK]
    found = findings_of(record, [esr(62)], birth_date="1976-06-01")
    assert {f.picture for f in found.findings} == {"pmr", "pelvic-girdle-pain"}


def test_findings_without_a_picture_are_all_kept() -> None:
    record = [PREGNANT, NECK, CERVICAL_RADICULOPATHY, TINGLING]
    record += [condition("M25.511", rid="r-sh"), LOW_BACK, RIGHT_HIP]
    found = findings_of(record, birth_date=AGE_30)
    named: list[Finding] = [f for f in found.findings if f.picture]
    plain = [f for f in found.findings if not f.picture]
    assert [f.picture for f in named] == ["pelvic-girdle-pain"]
    assert [(f.region, f.sites[0].joint) for f in plain] == [("cervical", "shoulder")]


def test_a_spinal_finding_on_both_hips_in_pregnancy_is_pelvic_girdle_pain_not_pmr() -> None:
    record = [PREGNANT, LOW_BACK, SCIATICA, TINGLING, *BOTH_HIPS]
    (finding,) = findings_of(record, birth_date=AGE_30).findings
    assert (finding.picture, finding.level) == ("pelvic-girdle-pain", "info")
