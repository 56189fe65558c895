"""Small shared types: closed sets as Literals, raw FHIR JSON as dict aliases."""

from typing import Any, Literal

Hook = Literal["patient-view", "order-select", "order-sign"]
Indicator = Literal["info", "warning", "critical"]
Topic = Literal[
    "spinal-origin",
    "red-flag",
    "inflammatory-pattern",
    "order-spinal-origin",
    "imaging-appropriateness",
]
Outcome = Literal["accepted", "overridden"]
SuggestionKind = Literal["physiotherapy", "spinal-assessment", "rheumatology", "urgent-assessment"]
"""What a card's suggestion proposes (its wording is under `suggestions` in the card text)."""
Assertion = Literal["affirmed", "negated", "historical", "family", "conditional", "uncertain"]
"""What a statement asserts of the patient (ConText); coded facts are "affirmed"."""

JSON = dict[str, Any]
"""A parsed JSON object, e.g. one raw FHIR resource as it came off the wire."""

TOPIC_SYSTEM = "https://spinal-origin-cds.example.org/CodeSystem/card-topic"

PHYSIOTHERAPY_REFERRAL = ("http://snomed.info/sct", "308447003")
"""The physiotherapy referral the cards suggest (system, code): the contract fixes it."""
