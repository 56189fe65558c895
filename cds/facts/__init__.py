"""Facts read from raw FHIR JSON: select by code, validate with fhir.resources, read."""

from cds.facts.extract import extract_facts
from cds.facts.model import (
    DraftOrder,
    Fact,
    Facts,
    ImagingOrder,
    Measurement,
    OrderSite,
    PatientInfo,
    Referral,
    Side,
    SkippedResource,
)

__all__ = [
    "DraftOrder",
    "Fact",
    "Facts",
    "ImagingOrder",
    "Measurement",
    "OrderSite",
    "PatientInfo",
    "Referral",
    "Side",
    "SkippedResource",
    "extract_facts",
]
