"""Terminology files: FHIR-valid, indexed, ICD children, exclusions, site extensions."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.codesystem import CodeSystem
from fhir.resources.R4B.conceptmap import ConceptMap
from fhir.resources.R4B.valueset import ValueSet

from cds.terminology import (
    TerminologyError,
    default_terminology,
    load_terminology,
    observation_search_codes,
)
from cds.terminology.loader import PACKAGE_DIR
from cds.terminology.model import MATCHED_CODE_LENGTH, MATCHED_CODES

CM = "http://hl7.org/fhir/sid/icd-10-cm"
WHO = "http://hl7.org/fhir/sid/icd-10"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
MODELS: dict[str, Any] = {
    "ValueSet": ValueSet,
    "ConceptMap": ConceptMap,
    "CodeSystem": CodeSystem,
    "Bundle": Bundle,
}


def concepts(system: str, code: str) -> set[str]:
    return {e.concept.id for e in default_terminology().coded_matches(system, code)}


@pytest.mark.parametrize("path", sorted(PACKAGE_DIR.glob("*.json")), ids=lambda p: p.name)
def test_every_fhir_file_is_valid_r4b(path: Path) -> None:
    data = json.loads(path.read_text())
    if "resourceType" in data:
        model = MODELS[data["resourceType"]]
        assert model.model_validate(data).id == data["id"]
    else:
        assert data["kind"] in {"keywords", "rules", "context-rules"}


def test_icd10cm_codes_match_their_children() -> None:
    assert concepts(CM, "M54.5") == {"back-pain-lumbar"}
    assert concepts(CM, "M54.50") == {"back-pain-lumbar"}
    assert concepts(CM, "M54.59") == {"back-pain-lumbar"}
    assert concepts(CM, "m5451") == {"back-pain-lumbar"}
    assert concepts(CM, "M48.062") == {"back-pain-lumbar"}


def test_codes_matched_before_answer_alike_and_memory_stays_bounded() -> None:
    term = load_terminology()
    first = term.coded_matches(CM, "M54.41")
    assert term.coded_matches(CM, "M54.41") == first
    for n in range(MATCHED_CODES + 10):
        assert term.coded_matches(SCT, str(n)) == ()
    assert term.coded_matches(CM, "M54.41") == first
    assert len(term._matched) <= MATCHED_CODES
    long = "M54.41" + "9" * MATCHED_CODE_LENGTH
    assert term.coded_matches(CM, long) == ()
    assert (CM, long) not in term._matched


def test_longest_icd_prefix_wins_and_carries_the_side() -> None:
    entries = default_terminology().coded_matches(CM, "M25.561")
    assert [e.attrs.get("side") for e in entries] == ["right"]
    assert concepts(CM, "M54.41") == {"radicular-lumbar"}
    assert concepts(CM, "M54.12") == {"radicular-cervical"}


def test_icd_does_not_match_a_sibling_or_a_parent() -> None:
    assert concepts(CM, "M54") == set()
    assert concepts(CM, "M25.5") == set()
    assert concepts(CM, "M54.6") == {"back-pain-thoracic"}
    assert concepts(CM, "I10") == set()


def test_snomed_and_loinc_match_exactly() -> None:
    assert concepts(SCT, "279039007") == {"back-pain-lumbar"}
    assert concepts(SCT, "2790390") == set()
    assert concepts(SCT, "279039007 ") == {"back-pain-lumbar"}
    assert concepts(LOINC, "8310-5") == {"body-temperature"}
    assert concepts(LOINC, "8310") == set()
    assert concepts("http://example.org/other", "279039007") == set()


def test_exclusions_remove_non_melanoma_skin_cancer() -> None:
    assert concepts(CM, "C50.911") == {"malignancy"}
    assert concepts(CM, "Z85.3") == {"malignancy"}
    assert concepts(CM, "C44.91") == set()
    assert concepts(CM, "Z85.828") == set()
    assert concepts(CM, "Z85.820") == {"malignancy"}


def test_who_icd10_is_a_separate_system_matched_by_prefix() -> None:
    assert concepts(WHO, "M54.4") == {"radicular-lumbar"}
    assert concepts(WHO, "M54.5") == {"back-pain-lumbar"}
    assert concepts(WHO, "G83.4") == {"cauda-equina-syndrome"}


def test_unverified_codes_are_marked() -> None:
    term = default_terminology()
    foot_drop = {e.code: e.verified for e in term.codings_of("foot-drop")}
    assert foot_drop["6077001"] is False
    assert foot_drop["M21.371"] is True
    raw = json.loads((PACKAGE_DIR / "valueset-neurological.json").read_text())
    designations = [
        d
        for entry in raw["entry"]
        for inc in entry["resource"]["compose"]["include"]
        for c in inc["concept"]
        for d in c.get("designation", [])
    ]
    assert designations and all("UNVERIFIED" in d["value"] for d in designations)


def test_text_keywords_find_concepts_side_and_negation() -> None:
    term = default_terminology()
    found = {m.concept.id: m for m in term.match_text("Pain in the right knee")}
    assert set(found) == {"joint-pain-knee"}
    assert found["joint-pain-knee"].side == "right"
    assert found["joint-pain-knee"].confidence == "text"
    negated = term.match_text("Denies numbness or tingling")
    assert {m.concept.id for m in negated} == {"numbness", "paraesthesia"}
    assert all(m.negated for m in negated)
    assert term.match_text("x" * 100_000) == ()


def test_concept_maps_region_to_joints_and_body_sites() -> None:
    maps = default_terminology().maps
    assert "knee" in maps.region_joints["lumbar"]
    assert "shoulder" in maps.region_joints["cervical"]
    assert "shoulder" not in maps.region_joints["thoracic"]
    assert maps.region_roots["lumbar"][0] == "L1"
    assert maps.laterality[(SCT, "24028007")] == "right"
    assert maps.laterality[(SCT, "7771000")] == "left"
    assert maps.laterality[(SCT, "51440002")] == "bilateral"
    assert maps.body_site_joint[(SCT, "49076000")] == "knee"


def test_rules_thresholds_come_from_the_data_file() -> None:
    rules = default_terminology().rules
    assert rules.chronic_days == 84
    assert rules.new_neuro_days == 14
    assert rules.fever_celsius == 38.0
    assert rules.warning_min_indicators == 2
    assert {i.key for i in rules.indicators if i.strong} == {
        "radiating",
        "neurological",
        "provocation",
    }


def test_observation_search_codes() -> None:
    tokens = observation_search_codes()
    assert tokens == sorted(set(tokens))
    for token in ("http://loinc.org|8310-5", "http://loinc.org|1988-5", "http://loinc.org|4537-7"):
        assert token in tokens
    assert "http://loinc.org|72514-3" in tokens
    assert all("|" in t and "icd-10" not in t for t in tokens)
    assert f"{SCT}|91019004" in tokens


def test_a_site_directory_adds_local_codes_and_overrides_rules(tmp_path: Path) -> None:
    local = {
        "resourceType": "ValueSet",
        "url": "https://spinal-origin-cds.example.org/ValueSet/joint-pain-knee",
        "status": "active",
        "compose": {
            "include": [
                {
                    "system": "http://hospital.example/codes",
                    "concept": [
                        {
                            "code": "KNP-R",
                            "display": "Knee pain right",
                            "extension": [
                                {
                                    "url": "https://spinal-origin-cds.example.org/StructureDefinition/engine-concept",
                                    "extension": [{"url": "side", "valueCode": "right"}],
                                }
                            ],
                        }
                    ],
                }
            ]
        },
    }
    (tmp_path / "local-knee.json").write_text(json.dumps(local))
    (tmp_path / "rules-site.json").write_text(
        json.dumps({"kind": "rules", "days": {"chronic": 90}})
    )
    term = load_terminology(tmp_path)
    entries = term.coded_matches("http://hospital.example/codes", "KNP-R")
    assert [(e.concept.id, e.attrs["joint"], e.attrs["side"]) for e in entries] == [
        ("joint-pain-knee", "knee", "right")
    ]
    assert term.coded_matches(CM, "M25.561")
    assert term.rules.chronic_days == 90
    assert term.rules.new_neuro_days == 14


def test_a_missing_site_directory_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(TerminologyError):
        load_terminology(tmp_path / "nope")


def test_a_broken_site_file_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(TerminologyError):
        load_terminology(tmp_path)
