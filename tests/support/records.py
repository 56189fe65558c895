"""Raw FHIR resources for tests, and the facts a record of them gives on the fixtures' clock."""

from typing import Any

from cds.data.scenarios import FIXTURES_NOW
from cds.facts import Facts, extract_facts
from cds.facts.record import PatientRecord
from cds.terminology import default_terminology

CM = "http://hl7.org/fhir/sid/icd-10-cm"
SCT = "http://snomed.info/sct"
LOINC = "http://loinc.org"
CLIN = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VER = "http://terminology.hl7.org/CodeSystem/condition-ver-status"


def condition(code: str, system: str = CM, rid: str = "c1", **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Condition",
        "id": rid,
        "clinicalStatus": {"coding": [{"system": CLIN, "code": "active"}]},
        "code": {"coding": [{"system": system, "code": code}]},
        "subject": {"reference": "Patient/p"},
    }
    resource.update(extra)
    return {k: v for k, v in resource.items() if v is not None}


def observation(code: str, system: str = SCT, rid: str = "o1", **extra: Any) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "resourceType": "Observation",
        "id": rid,
        "status": "final",
        "code": {"coding": [{"system": system, "code": code}]},
        "effectiveDateTime": "2026-05-20T10:00:00Z",
    }
    resource.update(extra)
    return resource


def facts_of(**kwargs: Any) -> Facts:
    patient = kwargs.pop(
        "patient", {"resourceType": "Patient", "id": "p", "birthDate": "1980-06-02"}
    )
    record = PatientRecord("p", patient, **kwargs)
    return extract_facts(record, "patient-view", FIXTURES_NOW, default_terminology())
