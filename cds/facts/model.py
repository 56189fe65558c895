"""Facts: what the record says, one dataclass per finding, read from FHIR."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cds.facts.actions import RedFlagAction
from cds.types import Assertion as Assertion

Side = Literal["left", "right", "bilateral", "unknown"]
Confidence = Literal["coded", "text"]


@dataclass(frozen=True, slots=True)
class SkippedResource:
    """A resource left out of the evaluation, with why (no clinical content, safe to log)."""

    source: str
    """"conditions", "observations", "serviceRequests", "draftOrders" or "patient"."""
    index: int
    reference: str | None
    reason: str


@dataclass(slots=True)
class Fact:
    """One coded (or text) statement from a Condition or Observation.

    Not frozen, yet never changed after it is built (`dataclasses.replace` makes a new one): a
    frozen dataclass sets each of its 19 fields through object.__setattr__, ~0.12 M instructions
    a call of bench case (a). Never hashed (its `attrs` is a mapping).
    """

    reference: str
    concept: str
    roles: frozenset[str]
    attrs: Mapping[str, str]
    label: str
    code: str
    """"system|code" of the matching coding, or "text" for a keyword match."""
    confidence: Confidence
    current: bool
    """False: history only (resolved / inactive / remission)."""
    negated: bool = False
    region: str | None = None
    joint: str | None = None
    side: Side = "unknown"
    onset: date | None = None
    abatement: date | None = None
    recorded: date | None = None
    clinical_status: str | None = None
    verification_status: str | None = None
    progressive: bool = False
    assertion: Assertion = "affirmed"

    @property
    def start(self) -> date | None:
        return self.onset or self.recorded


@dataclass(frozen=True, slots=True)
class Measurement:
    """An Observation with a value: CRP, ESR, HLA-B27, temperature, pain score, STarT Back."""

    reference: str
    marker: str
    label: str
    value: float | None
    unit: str
    abnormal: bool | None
    """True: above the reference range / positive / interpreted abnormal; None: unknown."""
    effective: date | None
    reference_range: str = ""
    joint: str | None = None
    region: str | None = None
    side: Side = "unknown"


@dataclass(frozen=True, slots=True)
class PatientInfo:
    reference: str
    age: int | None
    sex: str | None
    birth_date: date | None


@dataclass(frozen=True, slots=True)
class Referral:
    """An existing active or draft ServiceRequest of a kind the service might suggest."""

    reference: str
    kind: str
    status: str


@dataclass(frozen=True, slots=True)
class OrderSite:
    joint: str
    side: Side


@dataclass(frozen=True, slots=True)
class DraftOrder:
    """A draft joint-imaging or orthopaedic-referral ServiceRequest (order hooks)."""

    reference: str
    kind: str
    """"imaging" or "orthopaedic-referral"."""
    label: str
    sites: tuple[OrderSite, ...]
    reason_references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ImagingOrder:
    """A draft X-ray, MRI or CT of the lumbar spine (order hooks), by its code or its bodySite."""

    reference: str
    modality: str
    """"xray", "mri", "ct", or "imaging" (an imaging category with a lumbar bodySite)."""
    label: str
    code: str
    """"system|code" that made it lumbar imaging, or "bodySite" (category and bodySite only)."""
    reasons: tuple[str, ...] = ()
    """Concept ids of the back complaints in its reasonCode."""
    reason_references: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Facts:
    patient_id: str
    patient: PatientInfo | None
    facts: tuple[Fact, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    referrals: tuple[Referral, ...] = ()
    orders: tuple[DraftOrder, ...] = ()
    skipped: tuple[SkippedResource, ...] = ()
    ignored: tuple[str, ...] = field(default=())
    """References read but left out by status rules (refuted, entered-in-error, ...)."""
    imaging_orders: tuple[ImagingOrder, ...] = ()
    medicines_available: bool = True
    """False when the medicines could be neither prefetched nor fetched."""
    actions: tuple[RedFlagAction, ...] = ()
    """Recorded requests that can act on a red flag (spinal imaging, urgent referrals)."""
    spinal_orders: tuple[str, ...] = ()
    """Draft spinal imaging orders (order hooks): a red flag is shown for them."""

    def with_role(self, role: str) -> tuple[Fact, ...]:
        return tuple(f for f in self.facts if role in f.roles)
