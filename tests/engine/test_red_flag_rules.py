"""The red-flag table, rule by rule (cds/terminology/README.md "Red-flag rules"): each rule at the
edges of its window, with and without (new) back pain, current or historical, progressive or
bilateral. Each row: the findings, then the flags raised as (flag, tier, route, evidence)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from cds.facts import Fact, PatientInfo
from tests.support.facts import ADULT, TERM, fact, findings_of, on, refs

THIRTY = PatientInfo("Patient/p", 30, "male", date(1996, 1, 1))


def site_flag(rule: str | None, days: int | None = 3, **attrs: str) -> Fact:
    """A red flag a site adds with its own ValueSet (README: a new url adds a concept)."""
    declared = {"flag": "site-flag", "tier": "urgent", **attrs}
    if rule is not None:
        declared["rule"] = rule
    return Fact(
        reference="Condition/site",
        concept="site-concept",
        roles=frozenset({"red-flag"}),
        attrs=declared,
        label="Site red flag",
        code="http://hospital.example/codes|X1",
        confidence="coded",
        current=True,
        onset=on(days),
    )


NEW_BACK = fact("back-pain-lumbar", 20, "back")
OLD_BACK = fact("back-pain-lumbar", 200, "back")

Raised = list[tuple[str, str, str, list[str]]]


def raised(*facts: Fact, patient: PatientInfo = ADULT) -> Raised:
    found = findings_of(*facts, patient=patient).red_flags
    return [(r.flag, r.tier, r.route, refs(r.facts)) for r in found]


def stable(*facts: Fact) -> list[str]:
    return refs(findings_of(*facts).stable)


MYELOPATHY = fact("cervical-myelopathy", 30, "myelo")
FOOT_DROP = fact("foot-drop", 14, "drop")
FEVER = fact("fever", 7, "fever")
FRACTURE = fact("vertebral-fracture", 84, "fracture")
HOT_JOINT = fact("hot-swollen-joint", 28, "joint")
CANCER = fact("malignancy", 400, "cancer")
UMN = fact("upper-motor-neuron-sign", 30, "umn")

TABLE: list[tuple[str, tuple[Fact, ...], Raised]] = [
    # with-new-back-pain (known cancer, weight loss, infection and fracture risks)
    ("cancer with new back pain", (NEW_BACK, CANCER), [("cancer", "urgent", "cancer", ["cancer"])]),
    (
        "a past cancer (history=true) with new back pain",
        (NEW_BACK, replace(CANCER, current=False)),
        [("cancer", "urgent", "cancer", ["cancer"])],
    ),
    ("cancer with long-standing back pain", (OLD_BACK, CANCER), []),
    (
        "a past infection risk (no history attribute) with new back pain",
        (NEW_BACK, replace(fact("infection-risk", 400, "risk"), current=False)),
        [],
    ),
    # requires-back=true
    ("an upper motor neuron sign without back pain", (UMN,), []),
    (
        "an upper motor neuron sign with long-standing back pain",
        (OLD_BACK, UMN),
        [("myelopathy", "urgent", "myelopathy", ["umn"])],
    ),
    # always: an urgent one progressing becomes an emergency
    ("cervical myelopathy", (MYELOPATHY,), [("myelopathy", "urgent", "myelopathy", ["myelo"])]),
    (
        "worsening cervical myelopathy",
        (replace(MYELOPATHY, progressive=True),),
        [("myelopathy", "emergency", "myelopathy-emergency", ["myelo"])],
    ),
    (
        "a worsening deficit already coded as an emergency keeps its own route",
        (replace(fact("progressive-neurological-deficit", 30, "pnd"), progressive=True),),
        [("progressive-deficit", "emergency", "progressive-deficit", ["pnd"])],
    ),
    (
        "a spinal infection written as past history in the notes",
        (replace(fact("spinal-infection", 30, "infection"), assertion="historical"),),
        [],
    ),
    (
        "a spinal infection",
        (fact("spinal-infection", 30, "infection"),),
        [("infection", "urgent", "infection", ["infection"])],
    ),
    # new: within 14 days urgent; progressive or bilateral emergency; else ask about change
    (
        "a foot drop of 14 days",
        (NEW_BACK, FOOT_DROP),
        [("progressive-deficit", "urgent", "progressive-deficit", ["drop"])],
    ),
    ("a foot drop of 15 days", (NEW_BACK, fact("foot-drop", 15, "drop")), []),
    (
        "an old foot drop on both sides",
        (fact("foot-drop", 400, "drop", side="bilateral"),),
        [("progressive-deficit", "emergency", "progressive-deficit-emergency", ["drop"])],
    ),
    (
        "an old foot drop that is worsening",
        (fact("foot-drop", 400, "drop", progressive=True),),
        [("progressive-deficit", "emergency", "progressive-deficit-emergency", ["drop"])],
    ),
    (
        "a bilateral foot drop then a coded progressive deficit: the emergency action stays",
        (
            fact("foot-drop", 3, "drop", side="bilateral"),
            fact("progressive-neurological-deficit", 3, "pnd"),
        ),
        [("progressive-deficit", "emergency", "progressive-deficit-emergency", ["drop", "pnd"])],
    ),
    # recent-with-new-back-pain (fever): 7 days, and new back pain
    (
        "fever of 7 days with new back pain",
        (NEW_BACK, FEVER),
        [("infection", "urgent", "infection", ["fever"])],
    ),
    ("fever of 7 days with long-standing back pain", (OLD_BACK, FEVER), []),
    # recent-or-with-new-back-pain (vertebral fracture): 84 days, or new back pain
    (
        "a vertebral fracture of 84 days",
        (FRACTURE,),
        [("fracture", "urgent", "fracture", ["fracture"])],
    ),
    ("a vertebral fracture of 85 days", (fact("vertebral-fracture", 85, "fracture"),), []),
    (
        "an old vertebral fracture with new back pain",
        (NEW_BACK, fact("vertebral-fracture", 400, "fracture")),
        [("fracture", "urgent", "fracture", ["fracture"])],
    ),
    (
        "an old vertebral fracture with long-standing back pain",
        (OLD_BACK, fact("vertebral-fracture", 400, "fracture")),
        [],
    ),
    # joint-recent: 28 days or undated; a hot joint keeps its own route
    (
        "a hot swollen joint of 28 days",
        (HOT_JOINT,),
        [("hot-joint", "emergency", "hot-joint", ["joint"])],
    ),
    ("a hot swollen joint of 29 days", (fact("hot-swollen-joint", 29, "joint"),), []),
    (
        "an undated hot swollen joint",
        (fact("hot-swollen-joint", None, "joint"),),
        [("hot-joint", "emergency", "hot-joint", ["joint"])],
    ),
    (
        "a hip fracture coded as an emergency",
        (
            replace(
                fact("joint-fracture", 3, "hip"),
                attrs={**TERM.concepts["joint-fracture"].attrs, "tier": "emergency"},
            ),
        ),
        [("joint-fracture", "emergency", "joint-fracture-emergency", ["hip"])],
    ),
    # rules a site may give its own red flags
    (
        "site rule recent: 7 days",
        (site_flag("recent", 7),),
        [("site-flag", "urgent", "site-flag", ["site"])],
    ),
    ("site rule recent: 8 days", (site_flag("recent", 8),), []),
    ("site rule recent: undated", (site_flag("recent", None),), []),
    (
        "site rule with-back-pain, long-standing back pain",
        (OLD_BACK, site_flag("with-back-pain", 400)),
        [("site-flag", "urgent", "site-flag", ["site"])],
    ),
    ("site rule with-back-pain, no back pain", (site_flag("with-back-pain"),), []),
    (
        "site flag with no rule: always",
        (site_flag(None, 400),),
        [("site-flag", "urgent", "site-flag", ["site"])],
    ),
    (
        "site flag with history=true written as past history",
        (replace(site_flag("always", history="true"), assertion="historical"),),
        [("site-flag", "urgent", "site-flag", ["site"])],
    ),
]


@pytest.mark.parametrize(
    ("findings", "expected"), [row[1:] for row in TABLE], ids=[row[0] for row in TABLE]
)
def test_red_flag_table(findings: tuple[Fact, ...], expected: Raised) -> None:
    assert raised(*findings) == expected


def test_a_site_flag_without_a_flag_name_is_named_by_its_concept() -> None:
    unnamed = site_flag("always")
    unnamed = replace(unnamed, attrs={k: v for k, v in unnamed.attrs.items() if k != "flag"})
    assert raised(unnamed) == [("site-concept", "urgent", "site-concept", ["site"])]


def test_a_foot_drop_older_than_fourteen_days_is_asked_about() -> None:
    assert stable(NEW_BACK, fact("foot-drop", 15, "drop")) == ["drop"]
    assert stable(NEW_BACK, FOOT_DROP) == []


def bladder(days: int) -> Fact:
    return fact("cauda-equina-symptom", days, "ces")


CES_TABLE: list[tuple[str, tuple[Fact, ...], Raised]] = [
    (
        "began the day the back pain began, 20 days ago: urgent until assessed",
        (NEW_BACK, bladder(20)),
        [("cauda-equina", "urgent", "cauda-equina-late", ["ces"])],
    ),
    (
        "began before the back pain, but an undated leg pain may be older",
        (NEW_BACK, fact("joint-pain-leg", None, "leg", joint="leg"), bladder(30)),
        [("cauda-equina", "urgent", "cauda-equina-late", ["ces"])],
    ),
    (
        "new, with radiating leg pain and no back pain recorded",
        (fact("radiating-pain", 10, "radiating"), bladder(3)),
        [("cauda-equina", "emergency", "cauda-equina", ["ces"])],
    ),
    (
        "new, with radiating pain from the neck only",
        (fact("radiating-pain", 10, "radiating", region="cervical"), bladder(3)),
        [],
    ),
    ("new, with no back or leg pain", (bladder(3),), []),
]


@pytest.mark.parametrize(
    ("findings", "expected"), [row[1:] for row in CES_TABLE], ids=[row[0] for row in CES_TABLE]
)
def test_a_bladder_symptom_needs_back_or_leg_pain_and_dates_against_it(
    findings: tuple[Fact, ...], expected: Raised
) -> None:
    assert raised(*findings) == expected


def test_a_bladder_symptom_older_than_every_dated_back_pain_is_asked_about() -> None:
    assert raised(NEW_BACK, bladder(30)) == []
    assert stable(NEW_BACK, bladder(30)) == ["ces"]


THORACIC = fact("back-pain-thoracic", 20, "thoracic")
STEROID = fact("corticosteroid-systemic", 200, "MedicationRequest/steroid")
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"

THORACIC_RISKS: list[tuple[str, tuple[Fact, ...], list[str] | None]] = [
    ("no risk feature at thirty", (), None),
    ("night pain", (fact("non-mechanical-pain", 10, "night"),), ["thoracic", "night"]),
    ("weight loss", (fact("weight-loss", 10, "weight"),), ["thoracic", "weight"]),
    ("fever", (fact("fever", 3, "fever"),), ["thoracic", "fever"]),
    ("intravenous drug use", (fact("infection-risk", 300, "ivdu"),), ["thoracic", "ivdu"]),
    (
        "long-term steroids coded as a condition (Z79.52)",
        (fact("fracture-risk", 300, "z7952", code=f"{ICD10CM}|Z79.52"),),
        ["thoracic", "z7952"],
    ),
    ("osteoporosis is no thoracic risk", (fact("fracture-risk", 300, "osteo"),), None),
    (
        "night pain denied",
        (fact("non-mechanical-pain", 10, "night", assertion="negated"),),
        None,
    ),
    ("a long-term steroid prescription", (STEROID,), ["thoracic", "steroid"]),
    (
        "night pain and a long-term steroid prescription",
        (fact("non-mechanical-pain", 10, "night"), STEROID),
        ["thoracic", "night", "steroid"],
    ),
]


@pytest.mark.parametrize(
    ("risks", "evidence"), [r[1:] for r in THORACIC_RISKS], ids=[r[0] for r in THORACIC_RISKS]
)
def test_new_thoracic_pain_at_thirty_is_a_flag_only_with_a_risk_feature(
    risks: tuple[Fact, ...], evidence: list[str] | None
) -> None:
    thoracic = [r[3] for r in raised(THORACIC, *risks, patient=THIRTY) if r[0] == "thoracic-pain"]
    assert thoracic == ([] if evidence is None else [evidence])


def test_worsening_numbness_with_back_pain_is_an_emergency() -> None:
    numb = fact("numbness", 300, "numb", progressive=True)
    assert raised(OLD_BACK, numb) == [
        ("progressive-deficit", "emergency", "progressive-deficit-emergency", ["numb"])
    ]
    assert raised(numb) == []


def test_new_radiating_pain_on_both_sides_is_cauda_equina() -> None:
    both = fact("radicular-lumbar", 5, "sciatica", side="bilateral")
    assert raised(both) == [("cauda-equina", "emergency", "cauda-equina", ["sciatica"])]
    left = fact("radiating-pain", 5, "left", side="left")
    right = fact("radiating-pain", 5, "right", side="right")
    assert raised(left, right) == [("cauda-equina", "emergency", "cauda-equina", ["left", "right"])]


def test_long_term_steroids_with_new_back_pain_name_the_prescription() -> None:
    assert raised(NEW_BACK, STEROID) == [
        ("fracture", "urgent", "fracture", ["steroid"]),
        ("infection", "urgent", "infection", ["steroid"]),
    ]
    assert raised(OLD_BACK, STEROID) == []


def test_thoracic_pain_of_any_duration_with_a_cancer_history_is_a_flag() -> None:
    old_thoracic = fact("back-pain-thoracic", 400, "thoracic")
    past_cancer = fact("malignancy", 2000, "cancer", current=False)
    thoracic = [r for r in raised(old_thoracic, past_cancer, patient=THIRTY) if r[0] != "cancer"]
    assert thoracic == [("thoracic-pain", "urgent", "thoracic-pain", ["thoracic", "cancer"])]


@pytest.mark.parametrize(("age", "flagged"), [(19, True), (20, False), (49, False), (50, True)])
def test_new_thoracic_pain_is_a_flag_under_twenty_and_from_fifty(age: int, flagged: bool) -> None:
    patient = PatientInfo("Patient/p", age, "male", date(2026 - age, 1, 1))
    expected = [("thoracic-pain", "urgent", "thoracic-pain", ["thoracic"])] if flagged else []
    assert raised(THORACIC, patient=patient) == expected


def test_a_child_with_knee_pain_and_a_limp_names_both() -> None:
    child = PatientInfo("Patient/p", 10, "male", date(2016, 1, 1))
    knee = fact("joint-pain-knee", 5, "knee", side="right")
    limp = fact("abnormal-gait", 5, "limp")
    assert raised(knee, limp, patient=child) == [
        ("child-hip", "urgent", "child-hip", ["knee", "limp"])
    ]


NUMB = fact("numbness", 84, "numb")


@pytest.mark.parametrize(
    ("numbness", "escalates"),
    [
        (NUMB, True),
        (fact("numbness", 85, "numb"), False),
        (fact("numbness", 400, "numb", progressive=True), True),
        (fact("numbness", None, "numb"), True),
        (replace(NUMB, assertion="conditional"), False),
    ],
    ids=["84 days", "85 days", "worsening", "undated", "conditional"],
)
def test_known_cancer_with_a_neurological_symptom_is_an_emergency(
    numbness: Fact, escalates: bool
) -> None:
    expected = (
        [("cancer", "emergency", "cancer-emergency", ["cancer", "numb"])]
        if escalates
        else [("cancer", "urgent", "cancer", ["cancer"])]
    )
    assert [r for r in raised(NEW_BACK, CANCER, numbness) if r[0] == "cancer"] == expected


def test_weight_loss_with_a_neurological_symptom_stays_urgent() -> None:
    weight = fact("weight-loss", 10, "weight")
    assert raised(NEW_BACK, weight, NUMB) == [("weight-loss", "urgent", "weight-loss", ["weight"])]


def test_a_flag_that_needs_new_back_pain_began_when_the_back_pain_did() -> None:
    earlier = fact("back-pain-lumbar", 20, "back")
    later = fact("back-pain-lumbar", 10, "again")
    (cancer,) = findings_of(earlier, later, CANCER).red_flags
    assert cancer.start == on(20)
    myelopathy = fact("cervical-myelopathy", 30, "myelo")
    (flag,) = findings_of(earlier, later, myelopathy).red_flags
    assert flag.start == on(30)
