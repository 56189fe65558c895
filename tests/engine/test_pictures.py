"""Likelier explanations the record does not yet name (clinical-logic.md §2): a polymyalgia
rheumatica picture (50 or over, both shoulders or hips, ESR or CRP raised, no PMR recorded) and
pelvic girdle pain in pregnancy. The finding then names the picture and is `info`; where no
finding covers the joints, one of its own names it."""

from __future__ import annotations

from datetime import date

import pytest

from cds.engine import Finding
from cds.facts import Fact, Measurement, PatientInfo
from tests.support.facts import fact, findings_of, on

BACK = fact("back-pain-lumbar", 200, "back")
NEW_BACK = fact("back-pain-lumbar", 20, "back")
NECK = fact("neck-pain", 200, "neck")
SHOULDERS = fact("joint-pain-shoulder", 30, "shoulders", side="bilateral")
SI_JOINT = fact("joint-pain-si-joint", 30, "si")
PREGNANT = fact("pregnancy", 100, "pregnancy")


def person(age: int, sex: str = "female") -> PatientInfo:
    return PatientInfo("Patient/p", age, sex, date(2026 - age, 1, 1))


SEVENTY = person(70)
THIRTY = person(30)


def lab(kind: str, value: float, days: int | None = 10, ref: str = "lab") -> Measurement:
    return Measurement(f"Observation/{ref}", kind, kind.upper(), value, "", None, on(days))


RAISED_ESR = (lab("esr", 50),)


def found(
    *facts: Fact, patient: PatientInfo, labs: tuple[Measurement, ...] = ()
) -> tuple[Finding, ...]:
    return findings_of(*facts, patient=patient, labs=labs).findings


def pictures(
    *facts: Fact, patient: PatientInfo, labs: tuple[Measurement, ...] = ()
) -> list[tuple[str, str | None]]:
    """(first joint, picture) of each finding, in order."""
    return [(f.sites[0].joint, f.picture) for f in found(*facts, patient=patient, labs=labs)]


# Polymyalgia rheumatica


def test_the_pmr_picture_turns_a_warning_into_info() -> None:
    record = (
        NECK,
        SHOULDERS,
        fact("radicular-cervical", 30, "radiculopathy", side="bilateral"),
        fact("paraesthesia", 10, "tingling", side="bilateral"),
    )
    (plain,) = found(*record, patient=SEVENTY)
    assert (plain.level, plain.picture) == ("warning", None)
    (named,) = found(*record, patient=SEVENTY, labs=RAISED_ESR)
    assert (named.level, named.picture) == ("info", "pmr")


@pytest.mark.parametrize(("age", "picture"), [(50, "pmr"), (49, None)])
def test_the_pmr_picture_is_considered_from_fifty(age: int, picture: str | None) -> None:
    assert pictures(NECK, SHOULDERS, patient=person(age), labs=RAISED_ESR) == [
        ("shoulder", picture)
    ]


@pytest.mark.parametrize(
    ("sex", "value", "picture"),
    [
        ("female", 35, None),  # (60 + 10) / 2
        ("female", 36, "pmr"),
        ("male", 30, None),  # 60 / 2
        ("male", 31, "pmr"),
    ],
)
def test_the_esr_limit_depends_on_age_and_sex(sex: str, value: float, picture: str | None) -> None:
    labs = (lab("esr", value),)
    assert pictures(NECK, SHOULDERS, patient=person(60, sex), labs=labs) == [("shoulder", picture)]


@pytest.mark.parametrize(("value", "picture"), [(5.0, None), (5.1, "pmr")])
def test_a_crp_above_five_is_raised(value: float, picture: str | None) -> None:
    labs = (lab("crp", value),)
    assert pictures(NECK, SHOULDERS, patient=SEVENTY, labs=labs) == [("shoulder", picture)]


@pytest.mark.parametrize(
    ("labs", "picture"),
    [
        ((lab("esr", 20, 5, "newer"), lab("esr", 60, 40, "older")), None),
        ((lab("esr", 60, 5, "newer"), lab("esr", 20, 40, "older")), "pmr"),
        ((lab("esr", 20, 5, "dated"), lab("esr", 60, None, "undated")), None),
    ],
    ids=["older raised", "newer raised", "undated raised"],
)
def test_the_latest_dated_esr_counts(labs: tuple[Measurement, ...], picture: str | None) -> None:
    assert pictures(NECK, SHOULDERS, patient=SEVENTY, labs=labs) == [("shoulder", picture)]


def test_no_pmr_picture_for_one_shoulder_normal_markers_or_pmr_already_recorded() -> None:
    one = fact("joint-pain-shoulder", 30, "shoulder", side="right")
    assert pictures(NECK, one, patient=SEVENTY, labs=RAISED_ESR) == [("shoulder", None)]
    assert pictures(NECK, SHOULDERS, patient=SEVENTY) == [("shoulder", None)]
    recorded = fact("polymyalgia-rheumatica", 300, "pmr")
    assert pictures(NECK, SHOULDERS, recorded, patient=SEVENTY, labs=RAISED_ESR) == [
        ("shoulder", None)
    ]
    assert pictures(BACK, SHOULDERS, recorded, patient=SEVENTY, labs=RAISED_ESR) == []


@pytest.mark.parametrize(
    ("back", "region"),
    [
        ((BACK,), "lumbar"),
        ((fact("back-pain-unspecified", 200, "backache"),), "cervical"),
        ((fact("back-pain-unspecified", 200, "backache"), BACK), "lumbar"),
    ],
    ids=["low back pain", "backache", "backache and low back pain"],
)
def test_a_pmr_picture_no_finding_covers_takes_the_back_pain_region(
    back: tuple[Fact, ...], region: str
) -> None:
    """Low back pain does not refer to the shoulders: the picture has a finding of its own,
    of the back pain's region, or the neck's when the region is not known."""
    (own,) = found(*back, SHOULDERS, patient=SEVENTY, labs=RAISED_ESR)
    assert (own.sites[0].joint, own.picture, own.level, own.region) == (
        "shoulder",
        "pmr",
        "info",
        region,
    )
    assert [i.key for i in own.present] == ["chronic-or-recurrent"]
    assert own.score > 0


# Pelvic girdle pain in pregnancy


def test_pelvic_girdle_pain_is_named_for_a_pregnant_woman_with_sacroiliac_pain() -> None:
    backache = fact("back-pain-unspecified", 20, "backache")
    (own,) = found(backache, SI_JOINT, PREGNANT, patient=THIRTY)
    assert (own.sites[0].joint, own.picture, own.level, own.region) == (
        "si-joint",
        "pelvic-girdle-pain",
        "info",
        "lumbar",
    )
    assert pictures(backache, SI_JOINT, patient=THIRTY) == []


def test_pain_in_both_knees_in_pregnancy_is_not_pelvic_girdle_pain() -> None:
    knees = fact("joint-pain-knee", 30, "knees", side="bilateral")
    assert pictures(NEW_BACK, knees, PREGNANT, patient=THIRTY) == []


def test_both_hips_in_pregnancy_are_pelvic_girdle_pain_not_pmr() -> None:
    hips = fact("joint-pain-hip", 30, "hips", side="bilateral")
    assert pictures(BACK, hips, PREGNANT, patient=THIRTY) == [("hip", "pelvic-girdle-pain")]


def test_a_knee_finding_is_kept_beside_the_pelvic_girdle_picture() -> None:
    knee = fact("joint-pain-knee", 30, "knee", side="right")
    sciatica = fact("radicular-lumbar", 30, "sciatica", side="right")
    assert pictures(BACK, knee, sciatica, SI_JOINT, PREGNANT, patient=THIRTY) == [
        ("knee", None),
        ("si-joint", "pelvic-girdle-pain"),
    ]


def test_no_picture_where_a_local_cause_or_an_inflammatory_disease_is_recorded() -> None:
    hip = fact("joint-pain-hip", 30, "hip", side="right")
    bursitis = fact("trochanteric-bursitis", 30, "bursitis", side="right")
    assert pictures(BACK, hip, bursitis, PREGNANT, patient=THIRTY) == [("hip", None)]
    spondylitis = fact("axial-spondyloarthritis", 300, "axspa")
    (inflammatory,) = found(BACK, spondylitis, SI_JOINT, PREGNANT, patient=THIRTY)
    assert (inflammatory.pattern, inflammatory.picture) == ("inflammatory", None)


def test_both_pictures_each_with_a_finding_of_its_own() -> None:
    assert pictures(BACK, SHOULDERS, SI_JOINT, PREGNANT, patient=person(52), labs=RAISED_ESR) == [
        ("shoulder", "pmr"),
        ("si-joint", "pelvic-girdle-pain"),
    ]


def test_a_pregnant_woman_s_shoulders_get_no_pmr_finding_without_the_markers() -> None:
    assert pictures(BACK, SHOULDERS, SI_JOINT, PREGNANT, patient=THIRTY) == [
        ("si-joint", "pelvic-girdle-pain")
    ]
