"""Facts from raw FHIR: status rules, sides, dates, negation, values, garbage."""

from __future__ import annotations

from datetime import date
from typing import Any

from tests.support.records import CLIN, CM, LOINC, SCT, VER, condition, facts_of, observation

V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def status(code: str) -> dict[str, Any]:
    return {"coding": [{"system": CLIN, "code": code}]}


def test_patient_age_is_computed_against_now() -> None:
    facts = facts_of()
    assert facts.patient is not None
    assert facts.patient.age == 45  # birthday on 2 June, the day after `now`


def test_refuted_and_entered_in_error_conditions_are_ignored() -> None:
    refuted = condition(
        "M54.50", verificationStatus={"coding": [{"system": VER, "code": "refuted"}]}
    )
    eie = condition(
        "M54.50",
        rid="c2",
        clinicalStatus=None,
        verificationStatus={"coding": [{"system": VER, "code": "entered-in-error"}]},
    )
    facts = facts_of(conditions=[refuted, eie])
    assert facts.facts == ()
    assert set(facts.ignored) == {"Condition/c1", "Condition/c2"}


def test_clinical_status_current_history_and_absent() -> None:
    resolved = condition(
        "M54.50", clinicalStatus=status("resolved"), abatementDateTime="2025-01-01"
    )
    recurrence = condition("M54.50", rid="c2", clinicalStatus=status("recurrence"))
    absent_open = condition("M54.50", rid="c3", clinicalStatus=None)
    absent_abated = condition(
        "M54.50", rid="c4", clinicalStatus=None, abatementDateTime="2024-05-01"
    )
    got = {
        f.reference: f.current
        for f in facts_of(conditions=[resolved, recurrence, absent_open, absent_abated]).facts
    }
    assert got == {
        "Condition/c1": False,
        "Condition/c2": True,
        "Condition/c3": True,
        "Condition/c4": False,
    }


def test_side_from_the_code_itself() -> None:
    (fact,) = facts_of(conditions=[condition("M25.561")]).facts
    assert (fact.joint, fact.side) == ("knee", "right")
    (fact,) = facts_of(conditions=[condition("M25.569")]).facts
    assert fact.side == "unknown"


def test_side_and_joint_from_body_site_codes() -> None:
    body = [
        {
            "coding": [
                {"system": SCT, "code": "49076000"},
                {"system": SCT, "code": "7771000"},
            ]
        }
    ]
    (fact,) = facts_of(conditions=[condition("57676002", SCT, bodySite=body)]).facts
    assert (fact.joint, fact.side) == ("knee", "left")
    bilateral = [{"coding": [{"system": SCT, "code": "51440002"}]}]
    (fact,) = facts_of(conditions=[condition("30989003", SCT, bodySite=bilateral)]).facts
    assert (fact.joint, fact.side) == ("knee", "bilateral")


def test_side_and_joint_from_body_site_text() -> None:
    body = [{"text": "Right hip"}]
    (fact,) = facts_of(conditions=[condition("57676002", SCT, bodySite=body)]).facts
    assert (fact.joint, fact.side) == ("hip", "right")


def test_region_from_body_site_for_generic_back_pain() -> None:
    body = [{"coding": [{"system": SCT, "code": "122494005"}]}]
    (fact,) = facts_of(conditions=[condition("161891005", SCT, bodySite=body)]).facts
    assert fact.region == "cervical"
    (fact,) = facts_of(conditions=[condition("161891005", SCT)]).facts
    assert fact.region == "unspecified"


def test_onset_from_datetime_period_age_and_recorded_date() -> None:
    conditions = [
        condition("M54.50", rid="a", onsetDateTime="2026-02-03T08:00:00+02:00"),
        condition("M54.50", rid="b", onsetPeriod={"start": "2025-11"}),
        condition("M54.50", rid="c", onsetAge={"value": 40, "unit": "a"}),
        condition("M54.50", rid="d", recordedDate="2026-04-01"),
        condition("M54.50", rid="e", onsetString="since the summer"),
    ]
    got = {f.reference: f.start for f in facts_of(conditions=conditions).facts}
    assert got == {
        "Condition/a": date(2026, 2, 3),
        "Condition/b": date(2025, 11, 1),
        "Condition/c": date(2020, 6, 2),
        "Condition/d": date(2026, 4, 1),
        "Condition/e": None,
    }


def test_negated_observations() -> None:
    observations = [
        observation("44077006", rid="boolean", valueBoolean=False),
        observation(
            "91019004", rid="interp", interpretation=[{"coding": [{"system": V3, "code": "NEG"}]}]
        ),
        observation(
            "26544005",
            rid="coded",
            valueCodeableConcept={"coding": [{"system": SCT, "code": "260385009"}]},
        ),
        observation("44077006", rid="present", valueBoolean=True),
    ]
    got = {f.reference: f.negated for f in facts_of(observations=observations).facts}
    assert got == {
        "Observation/boolean": True,
        "Observation/interp": True,
        "Observation/coded": True,
        "Observation/present": False,
    }


def test_observation_status_and_age_rules() -> None:
    observations = [
        observation("44077006", rid="cancelled", status="cancelled"),
        observation("44077006", rid="prelim", status="preliminary"),
        observation("44077006", rid="old", effectiveDateTime="2020-01-01"),
    ]
    facts = facts_of(observations=observations)
    assert [f.reference for f in facts.facts] == ["Observation/prelim"]
    assert set(facts.ignored) == {"Observation/cancelled", "Observation/old"}


def test_measurements_with_units_ranges_and_interpretation() -> None:
    observations = [
        observation("1988-5", LOINC, rid="crp", valueQuantity={"value": 1.2, "unit": "mg/dL"}),
        observation(
            "4537-7",
            LOINC,
            rid="esr",
            valueQuantity={"value": 25, "unit": "mm/h"},
            referenceRange=[{"high": {"value": 30, "unit": "mm/h"}}],
        ),
        observation("8310-5", LOINC, rid="temp", valueQuantity={"value": 101.3, "unit": "[degF]"}),
        observation(
            "hla-b27",
            "https://spinal-origin-cds.example.org/CodeSystem/observation",
            rid="hla",
            valueString="Positive",
        ),
    ]
    got = {m.marker: m for m in facts_of(observations=observations).measurements}
    assert (got["crp"].value, got["crp"].unit, got["crp"].abnormal) == (12.0, "mg/L", True)
    assert (got["esr"].abnormal, got["esr"].reference_range) == (False, "≤ 30 mm/h")
    assert (got["temperature"].value, got["temperature"].abnormal) == (38.5, True)
    assert got["hla-b27"].abnormal is True


def test_text_only_condition_is_lower_confidence() -> None:
    raw = {
        "resourceType": "Condition",
        "id": "t",
        "subject": {"reference": "Patient/p"},
        "code": {"text": "Sciatica down the left leg"},
    }
    (fact,) = facts_of(conditions=[raw]).facts
    assert (fact.concept, fact.confidence, fact.side) == ("radicular-lumbar", "text", "left")
    assert fact.code == "text"


def test_standard_coded_resource_is_not_matched_by_its_text() -> None:
    raw = condition("38341003", SCT)
    raw["code"]["text"] = "knee pain"
    assert facts_of(conditions=[raw]).facts == ()


def test_a_coding_whose_system_is_not_a_string_is_skipped_not_raised() -> None:
    raw = condition("M25.561", "http://hl7.org/fhir/sid/icd-10-cm")
    raw["code"] = {"coding": [{"system": [SCT], "code": "x"}]}
    raw["note"] = [{"text": "Knee pain since the fall."}]
    found = facts_of(conditions=[raw])
    assert found.facts == ()
    assert [s.reference for s in found.skipped] == [f"Condition/{raw['id']}"]


def test_existing_referrals_need_an_open_status() -> None:
    def sr(rid: str, status_: str) -> dict[str, Any]:
        return {
            "resourceType": "ServiceRequest",
            "id": rid,
            "status": status_,
            "intent": "order",
            "subject": {"reference": "Patient/p"},
            "code": {"coding": [{"system": SCT, "code": "306358002"}]},
        }

    facts = facts_of(service_requests=[sr("a", "active"), sr("b", "completed"), sr("c", "draft")])
    assert [(r.reference, r.kind) for r in facts.referrals] == [
        ("ServiceRequest/a", "physiotherapy"),
        ("ServiceRequest/c", "physiotherapy"),
    ]


def test_garbage_is_skipped_or_ignored_never_raised() -> None:
    garbage: list[Any] = [
        None,
        "Condition",
        42,
        [],
        {"resourceType": "Condition", "code": "M54.5"},
        {"resourceType": "Condition", "code": {"coding": {"system": CM, "code": "M54.5"}}},
        {"resourceType": "Condition", "code": {"coding": [{"system": CM, "code": 5450}]}},
        {"resourceType": "Condition", "code": {"coding": [None, "x", {"system": None}]}},
        {"resourceType": "Condition", "code": {"text": 7}},
        condition("M54.50", rid="bad-status", clinicalStatus="active"),
        condition("M54.50", rid="bad-date", onsetDateTime="yesterday"),
        condition(
            "M54.50", rid="deep", extension=[{"url": "x", "extension": [{"url": "y"}] * 3}] * 200
        ),
        {"resourceType": "Observation", "code": {"coding": [{"system": SCT, "code": "44077006"}]}},
        condition("M54.50", rid="x" * 5000),
        condition("M54.50", rid="ünïcødé"),
        condition("M54.50", rid="emoji", note=[{"text": "ünïcødé 💥" * 1000}]),
    ]
    facts = facts_of(conditions=garbage, observations=garbage, patient={"birthDate": 3})
    reasons = {s.reference: s.reason for s in facts.skipped}
    assert "Condition/bad-status" in reasons
    assert "Condition/bad-date" in reasons
    assert all("M54" not in r and "yesterday" not in r for r in reasons.values())
    assert "Condition/ünïcødé" in reasons
    assert [f.reference for f in facts.facts] == ["Condition/deep", "Condition/emoji"]
    assert facts.patient is None


def test_a_patient_with_unhashable_gender_has_no_sex() -> None:
    facts = facts_of(patient={"resourceType": "Patient", "id": "p", "gender": ["male"]})
    assert facts.patient is not None
    assert facts.patient.sex is None


def test_pathologically_deep_nesting_is_skipped_where_it_is_read() -> None:
    nested: dict[str, Any] = {"url": "x"}
    for _ in range(3000):
        nested = {"url": "x", "extension": [nested]}
    read = condition("M54.50", rid="nested", bodySite=[{"extension": [nested]}])
    unread = condition("M54.50", rid="unread", extension=[nested])
    facts = facts_of(conditions=[read, unread, condition("M25.561", rid="fine")])
    assert [s.reference for s in facts.skipped] == ["Condition/nested"]
    assert [f.reference for f in facts.facts] == ["Condition/unread", "Condition/fine"]
