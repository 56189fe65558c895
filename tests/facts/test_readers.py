"""What the clinical readers take from a resource: values against ranges, units, polarity, sites."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.facts import Facts, Measurement, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology
from cds.types import Hook
from tests.support.clinical_records import (
    LOINC,
    OBSERVATION,
    SNOMED,
    condition,
    days_ago,
    observation,
    patient,
)

V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def read(hook: Hook = "patient-view", **resources: Any) -> Facts:
    record = PatientRecord("p", patient("1980-06-02"), **resources)
    return extract_facts(record, hook, FIXED_NOW, default_terminology())


def crp(rid: str = "crp", **value: Any) -> dict[str, Any]:
    return observation("1988-5", system=LOINC, rid=rid, **value)


def measured(*observations: dict[str, Any]) -> list[Measurement]:
    return list(read(observations=list(observations)).measurements)


@pytest.mark.parametrize("code", ["H", "HH", "HU", "A", "AA"])
def test_an_abnormal_interpretation_makes_a_marker_abnormal(code: str) -> None:
    (m,) = measured(
        crp(
            valueQuantity={"value": 1, "unit": "mg/L"},
            interpretation=[{"coding": [{"system": V3, "code": code}]}],
        )
    )
    assert m.abnormal is True


@pytest.mark.parametrize("code", ["N", "L", "LL", "LU"])
def test_a_normal_or_low_interpretation_makes_a_marker_normal(code: str) -> None:
    (m,) = measured(
        crp(
            valueQuantity={"value": 50, "unit": "mg/L"},
            interpretation=[{"coding": [{"system": V3, "code": code}]}],
        )
    )
    assert m.abnormal is False


def test_a_value_at_the_upper_limit_of_its_range_is_normal() -> None:
    limit = [{"high": {"value": 10, "unit": "mg/L"}}]
    at, above = (
        crp("at", valueQuantity={"value": 10, "unit": "mg/L"}, referenceRange=limit),
        crp("above", valueQuantity={"value": 10.1, "unit": "mg/L"}, referenceRange=limit),
    )
    got = {m.reference: (m.abnormal, m.reference_range) for m in measured(at, above)}
    assert got == {
        "Observation/at": (False, "≤ 10 mg/L"),
        "Observation/above": (True, "≤ 10 mg/L"),
    }


def test_the_laboratory_interpretation_wins_over_the_range() -> None:
    (m,) = measured(
        crp(
            valueQuantity={"value": 3, "unit": "mg/L"},
            referenceRange=[{"high": {"value": 10}, "text": "up to 10"}],
            interpretation=[{"coding": [{"system": V3, "code": "H"}]}],
        )
    )
    assert (m.abnormal, m.reference_range) == (True, "up to 10")


def test_a_range_without_a_limit_shows_its_text_and_decides_nothing() -> None:
    (m,) = measured(
        crp(valueQuantity={"value": 30, "unit": "mg/L"}, referenceRange=[{"text": "see report"}])
    )
    assert (m.abnormal, m.reference_range) == (None, "see report")


def test_the_default_upper_limit_applies_without_range_or_interpretation() -> None:
    normal, high = (
        crp("n", valueQuantity={"value": 5, "unit": "mg/L"}),
        crp("h", valueQuantity={"value": 5.1, "unit": "mg/L"}),
    )
    got = {m.reference: m.abnormal for m in measured(normal, high)}
    assert got == {"Observation/n": False, "Observation/h": True}


def test_a_unit_given_only_as_a_code_is_converted() -> None:
    (m,) = measured(crp(valueQuantity={"value": 1.2, "code": "mg/dL"}))
    assert (m.value, m.unit, m.abnormal) == (12.0, "mg/L", True)


@pytest.mark.parametrize("unit", ["[degF]", "degF", "°F", "F"])
def test_a_temperature_in_fahrenheit_is_read_in_celsius(unit: str) -> None:
    temp = observation(
        "8310-5", system=LOINC, rid="t", valueQuantity={"value": 100.4, "unit": unit}
    )
    (m,) = measured(temp)
    assert (m.value, m.unit, m.abnormal) == (38.0, "Cel", True)


def test_a_pain_score_is_a_value_not_a_judgement() -> None:
    score = observation("72514-3", system=LOINC, rid="pain", valueQuantity={"value": 9})
    got = [(m.marker, m.value, m.abnormal) for m in measured(score)]
    assert got == [("pain-score", 9.0, None)]


def test_the_marker_label_is_the_record_text_first() -> None:
    named = crp("named", text="C-reactive protein (hospital lab)", valueQuantity={"value": 1})
    plain = crp("plain", valueQuantity={"value": 1})
    labels = {m.reference: m.label for m in measured(named, plain)}
    assert labels["Observation/named"] == "C-reactive protein (hospital lab)"
    assert labels["Observation/plain"] != ""


@pytest.mark.parametrize(
    "value",
    [
        {"interpretation": [{"text": "Negative"}]},
        {"valueString": "absent"},
        {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "2667000"}]}},
        {"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "373067005"}]}},
    ],
)
def test_a_finding_recorded_as_absent_is_negated(value: dict[str, Any]) -> None:
    (fact,) = read(observations=[observation("44077006", rid="n", **value)]).facts
    assert fact.negated


def test_an_hla_b27_without_a_readable_result_is_unknown() -> None:
    hla = observation("hla-b27", system=OBSERVATION, rid="hla", valueString="pending")
    (m,) = measured(hla)
    assert m.abnormal is None


def test_an_observed_finding_keeps_its_code_side_and_date() -> None:
    numb = observation("44077006", rid="n", effective=days_ago(3), bodySite={"text": "left leg"})
    (fact,) = read(observations=[numb]).facts
    assert (fact.concept, fact.code, fact.confidence) == ("numbness", f"{SNOMED}|44077006", "coded")
    assert (fact.side, fact.onset, fact.current) == (
        "left",
        FIXED_NOW.date().replace(day=29, month=5),
        True,
    )


def test_an_observation_dated_only_by_issue_is_dated_by_it() -> None:
    old = observation("44077006", rid="old")
    del old["effectiveDateTime"]
    old["issued"] = "2020-01-01T00:00:00Z"
    facts = read(observations=[old])
    assert facts.facts == () and facts.ignored == ("Observation/old",)


def test_onset_and_abatement_given_as_ages() -> None:
    born = condition("M54.50", rid="born", onsetAge={"value": 0, "unit": "a"})
    del born["onsetDateTime"]
    old = condition("M54.50", rid="old", onsetAge={"value": 130, "unit": "a"})
    del old["onsetDateTime"]
    impossible = condition("M54.50", rid="x", onsetAge={"value": 131, "unit": "a"})
    del impossible["onsetDateTime"]
    onsets = {f.reference: f.onset for f in read(conditions=[born, old, impossible]).facts}
    assert str(onsets["Condition/born"]) == "1980-06-02"
    assert str(onsets["Condition/old"]) == "2110-06-02"
    assert onsets["Condition/x"] is None


def test_bad_resources_are_reported_with_where_they_came_from() -> None:
    bad_obs = observation("44077006", rid="bo", valueQuantity="high")
    bad_sr = {
        "resourceType": "ServiceRequest",
        "id": "bs",
        "status": "active",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "code": {"coding": [{"system": SNOMED, "code": "308447003"}]},
        "bodySite": "knee",
    }
    skipped = read(observations=[bad_obs], service_requests=[bad_sr]).skipped
    got = [(s.source, s.index, s.reference) for s in skipped]
    assert got == [
        ("observations", 0, "Observation/bo"),
        ("serviceRequests", 0, "ServiceRequest/bs"),
    ]
    assert all(s.reason for s in skipped)


def test_a_cancelled_observation_is_listed_as_ignored() -> None:
    cancelled = observation("44077006", rid="c", status="cancelled")
    assert read(observations=[cancelled]).ignored == ("Observation/c",)


def knee_order(**extra: Any) -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": "xr",
        "status": "draft",
        "intent": "order",
        "subject": {"reference": "Patient/p"},
        "category": [{"coding": [{"system": SNOMED, "code": "363679005"}]}],
        "code": {"text": "X-ray"},
        **extra,
    }


def test_an_imaging_order_takes_its_joint_and_side_from_its_reason() -> None:
    reason = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M25.561"}]}
    (order,) = read("order-sign", draft_orders=[knee_order(reasonCode=[reason])]).orders
    assert [(s.joint, s.side) for s in order.sites] == [("knee", "right")]
    assert (order.kind, order.label) == ("imaging", "X-ray")


def test_an_order_reason_that_is_not_a_joint_adds_no_site() -> None:
    reason = {"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "M54.50"}]}
    order = knee_order(reasonCode=[reason], bodySite=[{"text": "left knee"}])
    (read_order,) = read("order-sign", draft_orders=[order]).orders
    assert [(s.joint, s.side) for s in read_order.sites] == [("knee", "left")]


def test_resources_without_an_id_are_named_by_where_they_sit() -> None:
    no_id_obs = observation("44077006", rid="x", status="cancelled")
    del no_id_obs["id"]
    bad_obs = observation("44077006", rid="x", valueQuantity="high")
    del bad_obs["id"]
    bad_condition = condition("M54.50", clinicalStatus="active")
    del bad_condition["id"]
    facts = read(conditions=[bad_condition], observations=[no_id_obs, bad_obs])
    assert facts.ignored == ("Observation/#observations[0]",)
    assert [(s.source, s.index, s.reference) for s in facts.skipped] == [
        ("conditions", 0, "Condition/#conditions[0]"),
        ("observations", 1, "Observation/#observations[1]"),
    ]


def test_a_resource_that_is_not_a_patient_is_skipped_as_the_patient() -> None:
    record = PatientRecord("p", {"resourceType": "Practitioner", "id": "dr"})
    facts = extract_facts(record, "patient-view", FIXED_NOW, default_terminology())
    assert facts.patient is None
    assert [(s.source, s.index, s.reference) for s in facts.skipped] == [
        ("patient", 0, "Patient/dr")
    ]


def test_the_patient_reference_and_sex_come_from_the_resource() -> None:
    record = PatientRecord(
        "p", {"resourceType": "Patient", "id": "pat-9", "gender": "male", "birthDate": "1970"}
    )
    info = extract_facts(record, "patient-view", FIXED_NOW, default_terminology()).patient
    assert info is not None and (info.reference, info.sex) == ("Patient/pat-9", "male")


def test_a_relevant_condition_with_junk_codings_is_reported_not_passed_over() -> None:
    back = condition("M54.50", rid="junk")
    back["code"]["coding"] = [7, {"system": 5, "code": "x"}, *back["code"]["coding"]]
    facts = read(conditions=[back])
    assert facts.facts == ()
    assert [s.reference for s in facts.skipped] == ["Condition/junk"]


def test_a_condition_keeps_its_code_and_the_records_own_display() -> None:
    sciatica = condition("M54.41")
    sciatica["code"]["coding"][0]["display"] = "Sciatica, right (GP wording)"
    (fact,) = read(conditions=[sciatica]).facts
    assert fact.code == "http://hl7.org/fhir/sid/icd-10-cm|M54.41"
    assert fact.label == "Sciatica, right (GP wording)"
    assert fact.verification_status is None


def test_a_note_that_says_worsening_makes_a_finding_progressive() -> None:
    numb = condition("R20.2", note=[{"text": "worse"}, {"text": "worsening since March"}])
    (fact,) = read(conditions=[numb]).facts
    assert fact.progressive


def test_a_finding_written_as_denied_is_negated() -> None:
    denied = {
        "resourceType": "Condition",
        "id": "d",
        "subject": {"reference": "Patient/p"},
        "code": {"text": "denies numbness in the right leg"},
    }
    (fact,) = read(conditions=[denied]).facts
    assert fact.negated


def test_region_and_side_from_the_words_of_the_record() -> None:
    generic = condition("M54.9", text="neck pain", rid="g")
    site_text = condition("M54.9", rid="s", bodySite=[{"text": "lower back"}])
    both = condition("M25.569", rid="b", bodySite=[{"text": "both knees"}])
    got = {
        f.reference: (f.region, f.side) for f in read(conditions=[generic, site_text, both]).facts
    }
    assert got["Condition/g"][0] == "cervical"
    assert got["Condition/s"][0] == "lumbar"
    assert got["Condition/b"][1] == "bilateral"
