"""What a CDS service declares in discovery, and the prefetch every service asks for."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Generic, TypeVar

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

PREFETCH_TYPES = {
    "patient": "Patient",
    "conditions": "Condition",
    "observations": "Observation",
    "serviceRequests": "ServiceRequest",
    "medications": "MedicationRequest",
}
"""Each prefetch key every service asks for, and the resource type it holds."""
KEYS_BY_TYPE = {resource_type: key for key, resource_type in PREFETCH_TYPES.items()}

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


Context = TypeVar("Context", bound=HookContext, covariant=True)
"""The hook's context model: a `Service[OrderSelectContext]` is a `Service[HookContext]`."""


@dataclass(frozen=True, slots=True)
class Service(Generic[Context]):
    id: str
    hook: Hook
    title: str
    description: str
    usage_requirements: str
    context_model: type[Context]
    build_record: Callable[[Context, PatientData], PatientRecord]
    """Maps this hook's validated context and the gathered data onto the engine's input."""

    def record(self, context: HookContext, data: PatientData) -> PatientRecord:
        """The engine's input from a context validated with `context_model`."""
        if not isinstance(context, self.context_model):
            raise TypeError(f"{self.id} needs a {self.context_model.__name__}")
        return self.build_record(context, data)

    def discovery(self, prefetch: dict[str, str]) -> JSON:
        return {
            "hook": self.hook,
            "id": self.id,
            "title": self.title,
            "description": self.description,
            "usageRequirements": self.usage_requirements,
            "prefetch": prefetch,
        }


def record_from_data(
    patient_id: str,
    data: PatientData,
    *,
    draft_orders: list[JSON] | None = None,
    selections: tuple[str, ...] = (),
) -> PatientRecord:
    patients = data.get("patient") or []
    return PatientRecord(
        patient_id=patient_id,
        patient=patients[0] if patients else None,
        conditions=data.get("conditions", []),
        medications=data.get("medications"),
        observations=data.get("observations", []),
        service_requests=data.get("serviceRequests", []),
        draft_orders=draft_orders or [],
        selections=selections,
    )
