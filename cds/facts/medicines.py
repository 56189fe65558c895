"""MedicationRequest / MedicationStatement → medicine Facts (clinical-logic.md §2 "Medicines").

Read on the raw JSON, field by field (nothing here trusts the input): status, the medicine's
CodeableConcept (ATC class, RxNorm ingredient, else its text) and when it was started.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from cds.facts.fhir.dates import to_date
from cds.facts.fhir.plain import plain_id
from cds.facts.model import Fact
from cds.facts.select import match_codeable
from cds.terminology import Terminology

ACTIVE = frozenset({"active"})
TYPES = frozenset({"MedicationRequest", "MedicationStatement"})


def medicine_facts(raw: Any, index: int, term: Terminology) -> list[Fact]:
    """The medicine facts of one resource; none when it is not an active medicine we read."""
    if not isinstance(raw, dict):
        return []
    kind, status = raw.get("resourceType"), raw.get("status")
    if not isinstance(kind, str) or kind not in TYPES:
        return []
    if not isinstance(status, str) or status not in ACTIVE:
        return []
    concept = raw.get("medicationCodeableConcept")
    matches = [
        m
        for m in match_codeable(concept, term, text_with_standard_codes=True)
        if "medicine" in m.concept.roles
    ]
    if not matches:
        return []
    rid = plain_id(raw.get("id"))
    reference = f"{kind}/{rid}" if rid else f"{kind}/#medications[{index}]"
    text = concept.get("text") if isinstance(concept, dict) else None
    started = _started(raw)
    return [
        Fact(
            reference=reference,
            concept=m.concept.id,
            roles=m.concept.roles,
            attrs=m.attrs,
            label=(text if isinstance(text, str) and text else m.entry.display)[:120],
            code=f"{m.entry.system}|{m.entry.code}" if m.confidence == "coded" else "text",
            confidence="coded" if m.confidence == "coded" else "text",
            current=True,
            onset=started,
            recorded=started,
        )
        for m in matches
    ]


def _started(raw: dict[str, Any]) -> date | None:
    for key in ("authoredOn", "effectiveDateTime", "dateAsserted"):
        found = to_date(raw.get(key))
        if found is not None:
            return found
    period = raw.get("effectivePeriod")
    if isinstance(period, dict):
        return to_date(period.get("start"))
    return None
