"""What an Observation yields: its date, the polarity of its result, the measurement of a marker,
and the findings written in its notes."""

from __future__ import annotations

from typing import Any

import pytest

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.facts import Facts, Measurement, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology
from tests.support.clinical_records import LOINC, OBSERVATION, SNOMED, days_ago, observation

V3 = "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation"


def read(*observations: dict[str, Any]) -> Facts:
    record = PatientRecord("p", {"resourceType": "Patient"}, observations=list(observations))
    return extract_facts(record, "patient-view", FIXED_NOW, default_terminology())


def measured(*observations: dict[str, Any]) -> list[Measurement]:
    return list(read(*observations).measurements)


def hla_b27(**result: Any) -> dict[str, Any]:
    return observation("4821-5", system=LOINC, rid="hla", **result)


def numbness(rid: str = "n", **fields: Any) -> dict[str, Any]:
    return observation("44077006", rid=rid, **fields)


def undated(resource: dict[str, Any], **date: Any) -> dict[str, Any]:
    del resource["effectiveDateTime"]
    return resource | date


# --- when it was observed ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "expected"),
    [
        ({"effectivePeriod": {"start": days_ago(10), "end": days_ago(2)}}, days_ago(10)),
        ({"effectivePeriod": {"end": days_ago(2)}}, days_ago(2)),
        ({"effectiveInstant": f"{days_ago(4)}T08:30:00Z"}, days_ago(4)),
        ({"issued": f"{days_ago(5)}T08:30:00Z"}, days_ago(5)),
        ({}, None),
    ],
)
def test_an_observation_is_dated_by_its_effective_time_else_when_issued(
    date: dict[str, Any], expected: str | None
) -> None:
    (fact,) = read(undated(numbness(), **date)).facts
    assert (str(fact.onset) if fact.onset else None) == expected
    assert fact.recorded == fact.onset


def test_observations_are_read_back_one_year() -> None:
    year_old, older = (
        numbness("year", effective=days_ago(365)),
        numbness("old", effective=days_ago(366)),
    )
    facts = read(year_old, older)
    assert [f.reference for f in facts.facts] == ["Observation/year"]
    assert facts.ignored == ("Observation/old",)


# --- the polarity of a presence test (HLA-B27) ----------------------------------------------


@pytest.mark.parametrize(
    ("result", "abnormal"),
    [
        ({"valueBoolean": True}, True),
        ({"valueBoolean": False}, False),
        ({"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "10828004"}]}}, True),
        ({"valueCodeableConcept": {"coding": [{"system": SNOMED, "code": "260385009"}]}}, False),
        ({"valueCodeableConcept": {"text": " Positive "}}, True),
        ({"valueCodeableConcept": {"text": "NEGATIVE"}}, False),
        ({"valueCodeableConcept": {"text": "equivocal"}}, None),
        ({"valueString": "Detected"}, True),
        ({"valueString": "not detected"}, False),
        ({"interpretation": [{"coding": [{"system": V3, "code": "POS"}]}]}, True),
        ({"interpretation": [{"coding": [{"system": V3, "code": "NEG"}]}]}, False),
        ({"interpretation": [{"coding": [{"system": V3, "code": "IND"}]}]}, None),
        ({"interpretation": [{"text": "negative"}]}, False),
        ({"interpretation": [{"text": "positive"}]}, None),
        (
            {
                "valueCodeableConcept": {"text": "see comment"},
                "interpretation": [{"coding": [{"system": V3, "code": "POS"}]}],
            },
            True,
        ),
        (
            {
                "valueCodeableConcept": {"coding": [{"code": "10828004"}]},
                "interpretation": [{"coding": [{"system": V3, "code": "NEG"}]}],
            },
            False,
        ),
    ],
)
def test_an_hla_b27_result_is_read_from_its_value_or_interpretation(
    result: dict[str, Any], abnormal: bool | None
) -> None:
    (m,) = measured(hla_b27(**result))
    assert (m.marker, m.abnormal, m.value, m.unit, m.reference_range) == (
        "hla-b27",
        abnormal,
        None,
        "",
        "",
    )


def test_a_finding_observed_as_present_is_not_negated() -> None:
    present = numbness(valueCodeableConcept={"coding": [{"system": SNOMED, "code": "52101004"}]})
    (fact,) = read(present).facts
    assert not fact.negated


def test_a_presence_test_named_in_a_note_is_a_measurement_of_that_observation() -> None:
    hla = numbness("with-hla", note=[{"text": "HLA-B27 positive"}])
    (m,) = measured(hla)
    assert (m.reference, m.marker, m.abnormal, m.effective) == (
        "Observation/with-hla",
        "hla-b27",
        True,
        FIXED_NOW.date().replace(day=25, month=5),
    )


# --- measurements: values, units, ranges ----------------------------------------------------


def test_a_marker_is_a_measurement_and_not_a_finding() -> None:
    crp = observation(
        "1988-5", system=LOINC, rid="crp", valueQuantity={"value": 12, "unit": "mg/L"}
    )
    facts = read(crp)
    assert facts.facts == ()
    assert [(m.marker, m.value, m.unit, m.abnormal) for m in facts.measurements] == [
        ("crp", 12.0, "mg/L", True)
    ]


def test_a_marker_without_a_value_decides_nothing() -> None:
    (m,) = measured(observation("1988-5", system=LOINC, rid="crp", valueString="see report"))
    assert (m.value, m.unit, m.abnormal, m.reference_range) == (None, "", None, "")


def test_the_marker_label_is_the_value_sets_display_without_record_text() -> None:
    (m,) = measured(observation("1988-5", system=LOINC, rid="crp", valueQuantity={"value": 1}))
    assert m.label == "C reactive protein [Mass/volume] in Serum or Plasma"


def test_a_long_marker_label_is_cut_to_eighty_characters() -> None:
    text = "C-reactive protein " + "x" * 100
    (m,) = measured(
        observation("1988-5", system=LOINC, rid="crp", text=text, valueQuantity={"value": 1})
    )
    assert m.label == text[:80]


def test_a_measurement_keeps_the_site_it_was_taken_at() -> None:
    score = observation(
        "72514-3",
        system=LOINC,
        rid="pain",
        valueQuantity={"value": 7},
        bodySite={"text": "left knee"},
    )
    plain = observation("72514-3", system=LOINC, rid="plain", valueQuantity={"value": 7})
    got = {m.reference: (m.joint, m.side, m.unit) for m in measured(score, plain)}
    assert got == {
        "Observation/pain": ("knee", "left", ""),
        "Observation/plain": (None, "unknown", ""),
    }


def test_a_lumbar_measurement_keeps_its_region() -> None:
    score = observation(
        "72514-3", system=LOINC, rid="pain", valueQuantity={"value": 7}, bodySite={"text": "lumbar"}
    )
    (m,) = measured(score)
    assert m.region == "lumbar"


def test_a_temperature_is_judged_by_the_fever_threshold_alone() -> None:
    temp = observation(
        "8310-5",
        system=LOINC,
        rid="t",
        valueQuantity={"value": 37.9, "unit": "Cel"},
        interpretation=[{"coding": [{"system": V3, "code": "H"}]}],
    )
    (m,) = measured(temp)
    assert (m.abnormal, m.reference_range) == (False, "")


@pytest.mark.parametrize(("code", "marker"), [("72514-3", "pain-score"), ("91351-7", "start-back")])
def test_scores_are_never_judged_abnormal_whatever_the_record_says(code: str, marker: str) -> None:
    score = observation(
        code,
        system=LOINC,
        rid="s",
        valueQuantity={"value": 9},
        interpretation=[{"coding": [{"system": V3, "code": "H"}]}],
        referenceRange=[{"high": {"value": 3}}],
    )
    (m,) = measured(score)
    assert (m.marker, m.abnormal, m.reference_range) == (marker, None, "")


def test_a_range_limit_without_a_unit_is_shown_bare() -> None:
    (m,) = measured(
        observation(
            "1988-5",
            system=LOINC,
            rid="crp",
            valueQuantity={"value": 3, "unit": "mg/L"},
            referenceRange=[{"high": {"value": 10}}],
        )
    )
    assert (m.abnormal, m.reference_range) == (False, "≤ 10")


def test_an_interpretation_without_a_range_shows_no_range() -> None:
    (m,) = measured(
        observation(
            "1988-5",
            system=LOINC,
            rid="crp",
            valueQuantity={"value": 3, "unit": "mg/L"},
            interpretation=[{"coding": [{"system": V3, "code": "H"}]}],
        )
    )
    assert (m.abnormal, m.reference_range) == (True, "")


def test_a_marker_without_a_default_limit_is_not_judged() -> None:
    score = observation(
        "start-back-psychosocial", system=OBSERVATION, rid="s", valueQuantity={"value": 4}
    )
    (m,) = measured(score)
    assert (m.marker, m.value, m.abnormal, m.reference_range) == (
        "start-back-psychosocial",
        4.0,
        None,
        "",
    )


# --- findings of the code and of the notes --------------------------------------------------


def test_the_finding_label_is_the_records_own_display_then_the_value_sets() -> None:
    own = numbness("own")
    own["code"]["coding"][0]["display"] = "Numb leg (GP wording)"
    labels = {f.reference: f.label for f in read(own, numbness("plain")).facts}
    assert labels == {"Observation/own": "Numb leg (GP wording)", "Observation/plain": "Numbness"}


def test_a_long_finding_label_is_cut_to_120_characters() -> None:
    text = "numbness " + "y" * 200
    (fact,) = read(numbness(text=text)).facts
    assert fact.label == text[:120]


def test_the_side_of_a_finding_can_come_from_its_code_text() -> None:
    (fact,) = read(numbness(text="numbness, left leg")).facts
    assert fact.side == "left"


def test_numbness_observed_at_the_perineum_is_a_cauda_equina_symptom() -> None:
    saddle = numbness(bodySite={"coding": [{"system": SNOMED, "code": "38864007"}]})
    concepts = sorted(f.concept for f in read(saddle).facts)
    assert concepts == ["cauda-equina-symptom", "numbness"]


BUTTOCKS = {"system": SNOMED, "code": "46862004"}


@pytest.mark.parametrize(
    ("site", "concepts"),
    [
        ({"coding": [BUTTOCKS]}, ["cauda-equina-symptom", "numbness"]),
        ({"coding": [BUTTOCKS], "text": "both buttocks"}, ["cauda-equina-symptom", "numbness"]),
        ({"coding": [BUTTOCKS], "text": "left buttock"}, ["numbness"]),
    ],
)
def test_numbness_of_the_buttocks_is_saddle_anaesthesia_unless_one_sided(
    site: dict[str, Any], concepts: list[str]
) -> None:
    assert sorted(f.concept for f in read(numbness(bodySite=site)).facts) == concepts


@pytest.mark.parametrize("value", [{"text": "Negative"}, {"text": "absent"}])
def test_a_finding_whose_value_says_absent_in_words_is_negated(value: dict[str, Any]) -> None:
    (fact,) = read(numbness(valueCodeableConcept=value)).facts
    assert fact.negated


def test_a_finding_in_a_note_is_dated_by_the_note_else_by_the_observation() -> None:
    timed = numbness("timed", note=[{"text": "low back pain", "time": "2026-05-01"}])
    untimed = numbness("untimed", note=[{"text": "low back pain"}])
    notes = [f for f in read(timed, untimed).facts if f.concept == "back-pain-lumbar"]
    got = [(f.reference, str(f.onset), str(f.recorded)) for f in notes]
    assert got == [
        ("Observation/timed", "2026-05-01", "2026-05-01"),
        ("Observation/untimed", days_ago(7), days_ago(7)),
    ]


def test_a_finding_in_a_note_keeps_its_words_and_is_not_judged_by_the_result() -> None:
    absent = numbness(
        valueBoolean=False, note=[{"text": "back pain in the lower back, getting worse"}]
    )
    by_concept = {f.concept: f for f in read(absent).facts}
    note = by_concept["back-pain-unspecified"]
    assert by_concept["numbness"].negated
    assert (note.reference, note.label, note.region) == (
        "Observation/n",
        "back pain in the lower back, getting worse",
        "lumbar",
    )
    assert (note.negated, note.current) == (False, True)


def test_a_finding_in_a_note_is_progressive_only_when_its_words_say_so() -> None:
    worse = numbness("worse", text="numbness, worsening", note=[{"text": "low back pain"}])
    facts = {(f.reference, f.concept): f.progressive for f in read(worse).facts}
    assert facts == {
        ("Observation/worse", "numbness"): True,
        ("Observation/worse", "back-pain-lumbar"): False,
    }


def test_an_observation_without_an_id_is_named_by_where_it_sits() -> None:
    anonymous = numbness()
    del anonymous["id"]
    (fact,) = read(numbness("first"), anonymous).facts[1:]
    assert fact.reference == "Observation/#observations[1]"


def test_a_note_on_an_observation_with_no_code_is_still_read() -> None:
    uncoded = numbness("uncoded", note=[{"text": "numbness in the left leg"}]) | {"code": None}
    (fact,) = read(uncoded).facts
    assert (fact.concept, fact.side, fact.confidence) == ("numbness", "left", "text")


@pytest.mark.parametrize(
    ("value", "negated"),
    [
        ({"coding": [{"system": SNOMED, "code": "77386006"}]}, False),
        ({"text": "not pregnant"}, True),
    ],
)
def test_a_pregnancy_status_says_pregnant_only_by_its_code(
    value: dict[str, Any], negated: bool
) -> None:
    status = observation("82810-3", system=LOINC, rid="preg", valueCodeableConcept=value)
    (fact,) = read(status).facts
    assert (fact.concept, fact.negated) == ("pregnancy-status", negated)


def test_an_unmarked_pregnancy_status_is_not_pregnant() -> None:
    (fact,) = read(observation("82810-3", system=LOINC, rid="preg")).facts
    assert fact.negated
