"""Suggestions: draft ServiceRequests (status draft, intent proposal) the clinician may accept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cds.cards.text import CardText
from cds.terminology import Terminology
from cds.terminology.model import SNOMED
from cds.types import JSON

MAX_REASONS = 10
SUGGESTION_SYSTEM = "https://spinal-origin-cds.example.org/CodeSystem/suggestion"


@dataclass(frozen=True, slots=True)
class Offer:
    kind: str
    recommended: bool


def suggestion(
    offer: Offer,
    *,
    patient_id: str,
    reasons: tuple[str, ...],
    emergency: bool,
    text: CardText,
    term: Terminology,
    new_uuid: Callable[[], str],
) -> JSON:
    words = text.section("suggestions")[offer.kind]
    priority = words.get("emergencyPriority") if emergency else None
    resource: JSON = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "priority": priority or words["priority"],
        "code": {"coding": _codings(offer.kind, term), "text": words["text"]},
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    conditions = list(
        dict.fromkeys(r for r in reasons if r.startswith("Condition/") and "#" not in r)
    )[:MAX_REASONS]
    if conditions:
        resource["reasonReference"] = [{"reference": r} for r in conditions]
    resource["note"] = [{"text": words["note"]}]
    return {
        "label": words["label"],
        "uuid": new_uuid(),
        "isRecommended": offer.recommended,
        "actions": [{"type": "create", "description": words["label"], "resource": resource}],
    }


def _codings(kind: str, term: Terminology) -> list[JSON]:
    concept = next(
        (c for c in term.with_role("suggested") if c.attrs.get("kind") == kind),
        None,
    )
    codings: list[JSON] = []
    if concept is not None:
        entries = term.codings_of(concept.id)
        standard = next((e for e in entries if e.system == SNOMED), None)
        if standard is not None:
            codings.append(
                {"system": standard.system, "code": standard.code, "display": standard.display}
            )
    codings.append({"system": SUGGESTION_SYSTEM, "code": kind, "display": _display(kind, term)})
    return codings


def _display(kind: str, term: Terminology) -> str:
    for concept in term.code_systems.get(SUGGESTION_SYSTEM, ()):
        if concept.code == kind:
            return concept.display
    return kind
