"""What the facts code reads of each resource type: exactly these elements, and no others.

Field names and types are those of the fhir.resources R4B model attributes, and only these
elements are validated (`cds.facts.fhir.validate`). Three differences from the models' declared
types: a CodeableConcept is read as a `Codeable` (codings' system, code, display, and text); a
FHIR dateTime is a `datetime`, a `date` or, when partial ("2020", "2020-03"), a `str`; and a
1..1 element given as JSON null is None, as fhir.resources leaves it.

NamedTuples, not frozen dataclasses: built in a fifth of the time (~0.05 M instructions a call
of bench case (a)).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NamedTuple

from fhir.resources.R4B.age import Age
from fhir.resources.R4B.annotation import Annotation
from fhir.resources.R4B.observation import ObservationReferenceRange
from fhir.resources.R4B.period import Period
from fhir.resources.R4B.quantity import Quantity
from fhir.resources.R4B.range import Range
from fhir.resources.R4B.reference import Reference

from cds.facts.fhir.codeable import Codeable

DateTime = datetime | date | str


class ConditionRead(NamedTuple):
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


class ObservationRead(NamedTuple):
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


class ServiceRequestRead(NamedTuple):
    id: str | None
    status: str | None
    code: Codeable | None
    category: list[Codeable] | None
    bodySite: list[Codeable] | None
    reasonCode: list[Codeable] | None
    reasonReference: list[Reference] | None
