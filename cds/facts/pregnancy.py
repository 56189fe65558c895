"""A pregnancy status Observation (LOINC 82810-3): only the value 77386006 means pregnant."""

from __future__ import annotations

from dataclasses import replace

from cds.facts.fhir.resources import ObservationRead
from cds.facts.model import Fact
from cds.terminology.model import SNOMED

PREGNANT = (SNOMED, "77386006")


def pregnancy_status(model: ObservationRead, fact: Fact) -> Fact:
    """The status fact, negated unless its value says pregnant."""
    value = model.valueCodeableConcept
    pregnant = value is not None and any((c.system, c.code) == PREGNANT for c in value.coding or ())
    return fact if pregnant and not fact.negated else replace(fact, negated=True)
