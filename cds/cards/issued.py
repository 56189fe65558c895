"""What the clinical core hands back: a card as issued, typed, with what suppression and the
store need, so that neither reads the card's JSON."""

from dataclasses import dataclass

from cds.protocol import Card, Coding, Suggestion
from cds.types import JSON, Indicator, SuggestionKind, Topic


@dataclass(frozen=True, slots=True)
class IssuedSuggestion:
    kind: SuggestionKind
    coding: Coding
    """The code the store records: SNOMED CT where the suggestion has one."""
    wire: Suggestion

    @property
    def uuid(self) -> str:
        return self.wire.uuid


@dataclass(frozen=True, slots=True)
class IssuedCard:
    wire: Card
    """The CDS Hooks 2.0 card, with `uuid` on it and on every suggestion."""
    suggestions: tuple[IssuedSuggestion, ...]
    """The card's suggestions, in the card's order (`wire.suggestions` holds their `wire`)."""
    joints: tuple[str, ...]
    side: str
    fingerprint: str
    """Stable hash of the evidence (references and codes): changes when the evidence does."""

    @property
    def uuid(self) -> str:
        return self.wire.uuid

    @property
    def topic(self) -> Topic:
        return self.wire.source.topic.code

    @property
    def indicator(self) -> Indicator:
        return self.wire.indicator

    @property
    def card(self) -> JSON:
        """The card as JSON, as the service sends it."""
        return self.wire.model_dump(exclude_none=True)

    def without(self, kind: SuggestionKind) -> "IssuedCard":
        """The card minus its suggestions of this kind."""
        kept = tuple(s for s in self.suggestions if s.kind != kind)
        if len(kept) == len(self.suggestions):
            return self
        wire = self.wire.model_copy(
            update={
                "suggestions": [s.wire for s in kept] or None,
                "selectionBehavior": self.wire.selectionBehavior if kept else None,
            }
        )
        return IssuedCard(wire, kept, self.joints, self.side, self.fingerprint)
