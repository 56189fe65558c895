"""What a CDS service declares in discovery, and the prefetch every service asks for."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from cds.facts.record import PatientRecord
from cds.protocol import HookContext
from cds.terminology import observation_search_codes
from cds.types import JSON, Hook

PatientData = dict[str, list[JSON]]
"""Resources gathered per prefetch key (`patient`, `conditions`, ...), raw JSON."""

USAGE_REQUIREMENTS = (
    "Reads Condition, Observation, ServiceRequest and MedicationRequest. Prefetch them, or "
    "grant read access to "
    "the FHIR server (patient/*.read)."
)

ESSENTIAL_PREFETCH = frozenset({"conditions"})
"""Without these the engine cannot answer: unavailable means 412, not an empty answer."""


def prefetch_templates() -> dict[str, str]:
    observation_codes = ",".join(observation_search_codes())
    return {
        "patient": "Patient/{{context.patientId}}",
        "conditions": "Condition?patient={{context.patientId}}&_count=100",
        "observations": (
            "Observation?patient={{context.patientId}}&code=" + observation_codes + "&_count=100"
        ),
        "serviceRequests": (
            "ServiceRequest?patient={{context.patientId}}"
            "&status=active,draft,on-hold,completed&_count=100"
        ),
        "medications": "MedicationRequest?patient={{context.patientId}}&status=active&_count=100",
    }


@dataclass(frozen=True, slots=True)
class Service:
    id: str
    hook: Hook
    title: str
    description: str
    usage_requirements: str
    context_model: type[HookContext]
    build_record: Callable[[Any, PatientData], PatientRecord]
    """Maps this hook's validated context and the gathered data onto the engine's input."""

    def discovery(self, prefetch: dict[str, str]) -> JSON:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "usageRequirements": self.usage_requirements,
            "prefetch": prefetch,
        }


def record_from_data(patient_id: str, data: PatientData, **extra: Any) -> PatientRecord:
    patients = data.get("patient") or []
    return PatientRecord(
        patient_id=patient_id,
        patient=patients[0] if patients else None,
        conditions=data.get("conditions", []),
        medications=data.get("medications"),
        observations=data.get("observations", []),
        service_requests=data.get("serviceRequests", []),
        **extra,
    )
