"""What the clinical core hands back: a card as issued, with what suppression and the store need."""

from dataclasses import dataclass

from cds.types import JSON, Topic


@dataclass(frozen=True, slots=True)
class IssuedCard:
    card: JSON
    """The CDS Hooks 2.0 card, JSON-ready, with `uuid` on it and on every suggestion."""
    topic: Topic
    joints: tuple[str, ...]
    side: str
    fingerprint: str
    """Stable hash of the evidence (references and codes): changes when the evidence does."""
