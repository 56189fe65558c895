"""Suggestions: draft ServiceRequests (status draft, intent proposal) the clinician may accept."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from cds.cards.catalog import Catalog
from cds.cards.issued import IssuedSuggestion
from cds.cards.text import CardText
from cds.protocol import Action, Suggestion
from cds.types import JSON, SuggestionKind

MAX_REASONS = 10


@dataclass(frozen=True, slots=True)
class Offer:
    kind: SuggestionKind
    recommended: bool
    variant: str = ""
    """A wording variant of the kind (text.json `suggestions.<kind>.variants`)."""
    note: str = ""
    """Replaces the wording's note (e.g. what a red flag needs)."""


def suggestion(
    offer: Offer,
    *,
    patient_id: str,
    conditions: tuple[str, ...],
    text: CardText,
    catalog: Catalog,
    new_uuid: Callable[[], str],
) -> IssuedSuggestion:
    base = text.section("suggestions")[offer.kind]
    words = {**base, **base.get("variants", {}).get(offer.variant, {})}
    codings = catalog.codings[offer.kind]
    resource: JSON = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "priority": words["priority"],
        "code": {
            "coding": [dict(c) for c in catalog.coding_json[offer.kind]],
            "text": words["text"],
        },
        "subject": {"reference": f"Patient/{patient_id}"},
    }
    if conditions:
        resource["reasonReference"] = [{"reference": r} for r in conditions]
    resource["note"] = [{"text": offer.note or words["note"]}]
    wire = Suggestion(
        label=words["label"],
        uuid=new_uuid(),
        isRecommended=offer.recommended,
        actions=[Action(type="create", description=words["label"], resource=resource)],
    )
    return IssuedSuggestion(offer.kind, codings[0], wire)


def reason_references(reasons: tuple[str, ...]) -> tuple[str, ...]:
    """The Conditions (not their contained resources) a suggestion gives as its reasons."""
    conditions = (r for r in reasons if r.startswith("Condition/") and "#" not in r)
    return tuple(dict.fromkeys(conditions))[:MAX_REASONS]
