"""Keeping cards from nagging: what the store says was overridden or already accepted."""

from dataclasses import replace

from cds.record import IssuedCard
from cds.store import Suppression
from cds.types import JSON, PHYSIOTHERAPY_REFERRAL


def _creates_physiotherapy_referral(suggestion: JSON) -> bool:
    for action in suggestion.get("actions", []):
        for coding in action.get("resource", {}).get("code", {}).get("coding", []):
            if (coding.get("system"), coding.get("code")) == PHYSIOTHERAPY_REFERRAL:
                return True
    return False


def without_physiotherapy(card: IssuedCard) -> IssuedCard:
    """The card minus any physiotherapy referral suggestion (it was accepted before)."""
    suggestions = card.card.get("suggestions", [])
    kept = [s for s in suggestions if not _creates_physiotherapy_referral(s)]
    if len(kept) == len(suggestions):
        return card
    body = {k: v for k, v in card.card.items() if k not in ("suggestions", "selectionBehavior")}
    if kept:
        body["suggestions"] = kept
        body["selectionBehavior"] = card.card["selectionBehavior"]
    return replace(card, card=body)


def apply(cards: list[IssuedCard], suppression: Suppression) -> list[IssuedCard]:
    shown = [c for c in cards if c.card["uuid"] not in suppression.hidden]
    if suppression.physiotherapy_accepted:
        return [without_physiotherapy(c) for c in shown]
    return shown
