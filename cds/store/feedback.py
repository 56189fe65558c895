"""Storing clinicians' feedback on cards: each entry once, a batch all or nothing.

Feedback on a card that is not on record for its caller is kept only while the caller has
fewer than `UNKNOWN_CARD_LIMIT` such entries waiting (a card another process showed may be
written a moment later); beyond that it is counted and dropped, so that nobody can fill the store
with feedback on cards that never were.
"""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from cds.protocol import Coding, FeedbackReceipt
from cds.store.links import hold_link_lock, issued_patients
from cds.store.recording import PatientKey
from cds.store.schema import feedback, insert_new, utc
from cds.types import Outcome

UNKNOWN_CARD_LIMIT = 1_000
"""Entries on cards not on record that may wait per caller (all open-mode feedback is one)."""


@dataclass(frozen=True, slots=True)
class FeedbackEntry:
    """One element of a feedback request's `feedback` array, validated by the HTTP layer."""

    card_uuid: str
    outcome: Outcome
    accepted_suggestions: tuple[str, ...]
    override_reason: Coding | None
    user_comment: str | None
    outcome_timestamp: datetime


@dataclass(frozen=True, slots=True)
class SavedFeedback:
    receipt: FeedbackReceipt
    """What the client is told."""
    patients: frozenset[PatientKey] = frozenset()
    """The patients of the batch's known cards: their next calls read the store."""
    dropped: int = 0
    """Entries on unknown cards not stored: the caller has too many waiting."""


def save_feedback(
    conn: Connection,
    caller: str | None,
    service_id: str,
    entries: Sequence[FeedbackEntry],
    at: datetime,
) -> SavedFeedback:
    """`caller` None: unauthenticated feedback, taking the caller of the card it is about."""
    if not entries:
        return SavedFeedback(FeedbackReceipt(stored=0, duplicates=0, unknownCards=0))
    hold_link_lock(conn, exclusive=True)
    known = issued_patients(conn, {entry.card_uuid for entry in entries}, caller)
    room = UNKNOWN_CARD_LIMIT - _waiting(conn, caller)
    rows, dropped = [], 0
    for entry in entries:
        card = known.get(entry.card_uuid)
        if card is None:
            if room <= 0:
                dropped += 1
                continue
            room -= 1
        rows.append(_row(service_id, entry, at, caller, card))
    stored = (
        conn.execute(insert_new(conn, feedback).returning(feedback.c.id), rows).all()
        if rows
        else []
    )
    receipt = FeedbackReceipt(
        stored=len(stored),
        duplicates=len(rows) - len(stored),
        unknownCards=sum(entry.card_uuid not in known for entry in entries),
    )
    return SavedFeedback(receipt, frozenset(known.values()), dropped)


def _waiting(conn: Connection, caller: str | None) -> int:
    """The caller's stored entries on cards not on record."""
    mine = feedback.c.caller.is_(None) if caller is None else feedback.c.caller == caller
    query = (
        select(func.count()).select_from(feedback).where(mine, feedback.c.patient_hash.is_(None))
    )
    return conn.scalar(query) or 0


def _row(
    service_id: str,
    entry: FeedbackEntry,
    at: datetime,
    caller: str | None,
    card: PatientKey | None,
) -> dict[str, object]:
    """`caller` is the request's; the row's is its card's, once it has one."""
    reason = entry.override_reason
    patient_hash = None if card is None else card[1]
    return {
        "entry_key": entry_key(service_id, caller, entry),
        "card_uuid": entry.card_uuid,
        "service_id": service_id,
        "caller": caller if card is None else card[0],
        "known_card": patient_hash is not None,
        "patient_hash": patient_hash,
        "outcome": entry.outcome,
        "accepted_suggestions": json.dumps(list(entry.accepted_suggestions)),
        "override_system": reason.system if reason else None,
        "override_code": reason.code if reason else None,
        "override_display": reason.display if reason else None,
        "user_comment": entry.user_comment,
        "outcome_timestamp": entry.outcome_timestamp,
        "received_at": at,
        "linked_at": None if patient_hash is None else at,
    }


def entry_key(service_id: str, caller: str | None, entry: FeedbackEntry) -> str:
    """sha256 of the entry's canonical JSON and the request's caller: the same feedback posted
    twice by one caller has one key (unauthenticated feedback's key names no caller, as before
    callers were told apart)."""
    reason = entry.override_reason
    canonical = {
        **({} if caller is None else {"caller": caller}),
        "serviceId": service_id,
        "card": entry.card_uuid,
        "outcome": entry.outcome,
        "acceptedSuggestions": list(entry.accepted_suggestions),
        "overrideReason": None
        if reason is None
        else {"system": reason.system, "code": reason.code, "display": reason.display},
        "userComment": entry.user_comment,
        "outcomeTimestamp": utc(entry.outcome_timestamp).isoformat(),
    }
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
