"""What the shell hands the clinical core, and what the core hands back.

The shell (HTTP, FHIR fetching, CLI) gathers a `PatientRecord` of raw FHIR JSON; the core
(`cds.evaluation.evaluate`) selects, validates and reasons over it and returns `IssuedCard`s.
"""

from dataclasses import dataclass, field

from cds.types import JSON, Topic


@dataclass(frozen=True, slots=True)
class PatientRecord:
    patient_id: str
    patient: JSON | None = None
    conditions: list[JSON] = field(default_factory=list)
    observations: list[JSON] = field(default_factory=list)
    service_requests: list[JSON] = field(default_factory=list)
    draft_orders: list[JSON] = field(default_factory=list)
    """Resources of context.draftOrders (order-select / order-sign), unvalidated."""
    selections: tuple[str, ...] = ()
    """context.selections of order-select, e.g. "ServiceRequest/abc"."""


@dataclass(frozen=True, slots=True)
class IssuedCard:
    card: JSON
    """The CDS Hooks 2.0 card, JSON-ready, with `uuid` on it and on every suggestion."""
    topic: Topic
    joints: tuple[str, ...]
    side: str
    fingerprint: str
    """Stable hash of the evidence (references and codes): changes when the evidence does."""
