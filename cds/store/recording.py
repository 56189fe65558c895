"""Recording the cards the service issued, keyed by a keyed hash of the patient id."""

import hmac
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Self

from sqlalchemy import Connection

from cds.cards.issued import IssuedCard, IssuedSuggestion
from cds.store.schema import insert_new, issued_card, issued_suggestion, utc


def patient_hash(patient_id: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the patient id: cards can be matched to a patient, not traced back."""
    return hmac.digest(key, patient_id.encode(), "sha256").hex()


PatientKey = tuple[str, str]
"""(caller, patient hash): a patient as one caller knows them."""


def joined(values: Iterable[str]) -> str:
    return ",".join(sorted(values))


@dataclass(frozen=True, slots=True)
class RecordedSuggestion:
    uuid: str
    label: str
    code_system: str | None
    code: str | None
    """What the suggestion proposes (SNOMED CT where it has a code there)."""

    @classmethod
    def of(cls, suggestion: IssuedSuggestion) -> Self:
        coding = suggestion.coding
        return cls(suggestion.uuid, suggestion.wire.label, coding.system, coding.code)


@dataclass(frozen=True, slots=True)
class RecordedCard:
    """What the store keeps of an issued card: a few strings, not the card."""

    uuid: str
    topic: str
    joints: str
    side: str
    fingerprint: str
    indicator: str
    suggestions: tuple[RecordedSuggestion, ...]

    @classmethod
    def of(cls, issued: IssuedCard) -> Self:
        return cls(
            uuid=issued.uuid,
            topic=issued.topic,
            joints=joined(issued.joints),
            side=issued.side,
            fingerprint=issued.fingerprint,
            indicator=issued.indicator,
            suggestions=tuple(RecordedSuggestion.of(s) for s in issued.suggestions),
        )


@dataclass(frozen=True, slots=True)
class ShownCards:
    """The cards one call showed, waiting to be recorded."""

    service_id: str
    hook_instance: str
    patient_hash: str
    cards: tuple[RecordedCard, ...]
    at: datetime
    caller: str

    @classmethod
    def of(
        cls,
        cards: Iterable[IssuedCard],
        *,
        service_id: str,
        hook_instance: str,
        patient_hash: str,
        at: datetime,
        caller: str,
    ) -> Self:
        recorded = tuple(RecordedCard.of(card) for card in cards)
        return cls(service_id, hook_instance, patient_hash, recorded, at, caller)


def card_patients(shown: Iterable[ShownCards]) -> dict[str, PatientKey]:
    """Each card's caller and patient, by card uuid."""
    return {card.uuid: (call.caller, call.patient_hash) for call in shown for card in call.cards}


def record_cards(conn: Connection, shown: Sequence[ShownCards]) -> None:
    """Issued cards and their suggestions; recording a card again changes nothing."""
    cards = [
        {
            "card_uuid": card.uuid,
            "service_id": call.service_id,
            "hook_instance": call.hook_instance,
            "patient_hash": call.patient_hash,
            "caller": call.caller,
            "topic": card.topic,
            "joints": card.joints,
            "side": card.side,
            "fingerprint": card.fingerprint,
            "indicator": card.indicator,
            "issued_at": utc(call.at),
        }
        for call in shown
        for card in call.cards
    ]
    if not cards:
        return
    conn.execute(insert_new(conn, issued_card), cards)
    suggestions = [
        {
            "card_uuid": card.uuid,
            "suggestion_uuid": suggestion.uuid,
            "label": suggestion.label,
            "code_system": suggestion.code_system,
            "code": suggestion.code,
        }
        for call in shown
        for card in call.cards
        for suggestion in card.suggestions
    ]
    if suggestions:
        conn.execute(insert_new(conn, issued_suggestion), suggestions)
