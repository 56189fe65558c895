"""Small FHIR records for focused clinical tests through `evaluate()` at the fixtures' clock.

Dates are written relative to FIXED_NOW (2026-06-01): `days_ago(14)` is "2026-05-18".
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.evaluation import Evaluation, evaluate
from cds.facts.record import PatientRecord
from cds.types import Hook
from tests.support.scenarios import assert_well_formed, suggestion_codes

ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
SNOMED = "http://snomed.info/sct"
FINDING = "https://spinal-origin-cds.example.org/CodeSystem/finding"
OBSERVATION = "https://spinal-origin-cds.example.org/CodeSystem/observation"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
LOINC = "http://loinc.org"


def days_ago(days: int) -> str:
    return (FIXED_NOW.date() - timedelta(days=days)).isoformat()


def patient(birth_date: str = "1970-01-01") -> dict[str, Any]:
    return {"resourceType": "Patient", "id": "p", "birthDate": birth_date, "gender": "female"}


def condition(
    code: str,
    onset: str | None = None,
    *,
    system: str = ICD10CM,
    status: str = "active",
    text: str | None = None,
    rid: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid or f"c-{code.replace('.', '')}",
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": status}]},
        "code": concept,
        "subject": {"reference": "Patient/p"},
        "onsetDateTime": onset or days_ago(30),
    }
    resource.update(extra)
    return resource


def text_condition(text: str, onset: str | None = None, *, rid: str) -> dict[str, Any]:
    """A Condition recorded as free text only (no coding)."""
    return {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "code": {"text": text},
        "subject": {"reference": "Patient/p"},
        "onsetDateTime": onset or days_ago(30),
    }


def observation(
    code: str,
    *,
    system: str = SNOMED,
    rid: str,
    effective: str | None = None,
    text: str | None = None,
    **value: Any,
) -> dict[str, Any]:
    concept: dict[str, Any] = {"coding": [{"system": system, "code": code}]}
    if text:
        concept["text"] = text
    return {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": concept,
        "subject": {"reference": "Patient/p"},
        "effectiveDateTime": effective or days_ago(7),
        **value,
    }


def run(
    conditions: list[dict[str, Any]],
    observations: list[dict[str, Any]] | None = None,
    *,
    birth_date: str = "1970-01-01",
    hook: Hook = "patient-view",
) -> Evaluation:
    record = PatientRecord(
        "p", patient(birth_date), conditions=conditions, observations=observations or []
    )
    return evaluate(record, hook, FIXED_NOW)


def cards(evaluation: Evaluation) -> list[tuple[str, str, str]]:
    """(topic, indicator, summary) of each card, in order; every card is well formed."""
    out = []
    for issued in evaluation.cards:
        card = issued.card
        assert_well_formed(card)
        out.append((card["source"]["topic"]["code"], card["indicator"], card["summary"]))
    return out


def offered(evaluation: Evaluation) -> set[str]:
    """Every suggestion code offered on any card."""
    return {
        code
        for issued in evaluation.cards
        for s in issued.card.get("suggestions", [])
        for code in suggestion_codes(s)
    }
