"""What not to show again: cards a clinician overrode, and physiotherapy already accepted."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, case, select

from cds.cards.issued import IssuedCard
from cds.store.recording import PatientKey, joined
from cds.store.schema import feedback, issued_card, issued_suggestion
from cds.types import PHYSIOTHERAPY_REFERRAL

NEVER_SUPPRESSED = frozenset({"red-flag"})


@dataclass(frozen=True, slots=True)
class Suppression:
    """What a patient's feedback says about a call's cards."""

    hidden: frozenset[str]
    """uuids of the cards not to show."""
    physiotherapy_accepted: bool


NOTHING_SUPPRESSED = Suppression(frozenset(), physiotherapy_accepted=False)


# Both reads start from the patient's few feedback rows, not from every card ever issued to them.
# A feedback row's caller is its card's: reading by (caller, patient) keeps callers apart.

_overridden_at = case(
    (feedback.c.outcome_timestamp < feedback.c.received_at, feedback.c.outcome_timestamp),
    else_=feedback.c.received_at,
)
"""An override counts from its outcomeTimestamp, or from when it came if that is earlier: a
client cannot stretch the period by dating its feedback ahead."""


def suppressed(
    conn: Connection,
    *,
    patient: PatientKey,
    cards: Sequence[IssuedCard],
    now: datetime,
    period: timedelta,
) -> set[str]:
    """uuids of `cards` to hide: the same card (topic, joints, side) on the same evidence
    (fingerprint) was overridden for this patient less than `period` ago. A zero period hides
    nothing."""
    candidates = [card for card in cards if card.topic not in NEVER_SUPPRESSED]
    if not candidates or period <= timedelta(0):
        return set()
    overridden = conn.execute(
        select(
            issued_card.c.topic, issued_card.c.joints, issued_card.c.side, issued_card.c.fingerprint
        )
        .select_from(feedback)
        .join(issued_card, issued_card.c.card_uuid == feedback.c.card_uuid)
        .where(
            feedback.c.caller == patient[0],
            feedback.c.patient_hash == patient[1],
            issued_card.c.topic.in_(sorted({card.topic for card in candidates})),
            feedback.c.outcome == "overridden",
            _overridden_at > now - period,
        )
    )
    hidden = {tuple(row) for row in overridden}
    return {
        card.uuid
        for card in candidates
        if (card.topic, joined(card.joints), card.side, card.fingerprint) in hidden
    }


def accepted_physio(conn: Connection, *, patient: PatientKey) -> bool:
    """Whether a clinician ever accepted a physiotherapy referral suggested for this patient."""
    rows = conn.execute(
        select(issued_suggestion.c.suggestion_uuid, feedback.c.accepted_suggestions)
        .select_from(feedback)
        .join(issued_suggestion, issued_suggestion.c.card_uuid == feedback.c.card_uuid)
        .where(
            feedback.c.caller == patient[0],
            feedback.c.patient_hash == patient[1],
            issued_suggestion.c.code_system == PHYSIOTHERAPY_REFERRAL[0],
            issued_suggestion.c.code == PHYSIOTHERAPY_REFERRAL[1],
            feedback.c.outcome == "accepted",
        )
    )
    return any(suggestion in json.loads(accepted) for suggestion, accepted in rows)


def apply(cards: list[IssuedCard], suppression: Suppression) -> list[IssuedCard]:
    shown = [c for c in cards if c.uuid not in suppression.hidden]
    if suppression.physiotherapy_accepted:
        return [c.without("physiotherapy") for c in shown]
    return shown
