"""What the shell hands the clinical core: a patient's record as raw FHIR JSON.

The shell (HTTP, FHIR fetching, CLI) gathers a `PatientRecord`; the core
(`cds.evaluation.evaluate`) selects, validates and reasons over it.
"""

from dataclasses import dataclass, field

from cds.types import JSON


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: str
    patient: JSON | None = None
    conditions: list[JSON] = field(default_factory=list)
    observations: list[JSON] = field(default_factory=list)
    service_requests: list[JSON] = field(default_factory=list)
    medications: list[JSON] | None = None
    """Active MedicationRequests / MedicationStatements; None: they were not available."""
    draft_orders: list[JSON] = field(default_factory=list)
    """Resources of context.draftOrders (order-select / order-sign), unvalidated."""
    selections: tuple[str, ...] = ()
    """context.selections of order-select, e.g. "ServiceRequest/abc"."""
