"""What the facts code reads of each resource type: exactly these elements, and no others.

Field names and types are those of the fhir.resources R4B model attributes, and only these
elements are validated (`cds.facts.fhir.validate`). Three differences from the models' declared
types: a CodeableConcept is read as a `Codeable` (codings' system, code, display, and text); a
FHIR dateTime is a `datetime`, a `date` or, when partial ("2020", "2020-03"), a `str`; and a
1..1 element given as JSON null is None, as fhir.resources leaves it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import ClassVar

from fhir.resources.R4B.age import Age
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation, ObservationReferenceRange
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.range import Range
from fhir.resources.R4B.reference import Reference
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds.facts.fhir.codeable import Codeable

DateTime = datetime | date | str


@dataclass(frozen=True, slots=True)
class ConditionRead:
    model: ClassVar[type[Condition]] = Condition

    id: str | None
    """The evidence reference is built from it."""
    clinicalStatus: Codeable | None
    verificationStatus: Codeable | None
    code: Codeable | None
    bodySite: list[Codeable] | None
    onsetDateTime: DateTime | None
    onsetAge: Age | None
    onsetPeriod: Period | None
    abatementDateTime: DateTime | None
    abatementAge: Age | None
    abatementPeriod: Period | None
    abatementRange: Range | None
    abatementString: str | None
    recordedDate: DateTime | None
    note: list[Annotation] | None


@dataclass(frozen=True, slots=True)
class ObservationRead:
    model: ClassVar[type[Observation]] = Observation

    id: str | None
    status: str | None
    code: Codeable | None
    bodySite: Codeable | None
    effectiveDateTime: DateTime | None
    effectivePeriod: Period | None
    effectiveInstant: datetime | None
    issued: datetime | None
    valueBoolean: bool | None
    valueCodeableConcept: Codeable | None
    valueQuantity: Quantity | None
    valueString: str | None
    interpretation: list[Codeable] | None
    referenceRange: list[ObservationReferenceRange] | None
    note: list[Annotation] | None


@dataclass(frozen=True, slots=True)
class ServiceRequestRead:
    model: ClassVar[type[ServiceRequest]] = ServiceRequest

    id: str | None
    status: str | None
    code: Codeable | None
    category: list[Codeable] | None
    bodySite: list[Codeable] | None
    reasonCode: list[Codeable] | None
    reasonReference: list[Reference] | None
