"""Storing clinicians' feedback on cards: each entry once, a batch all or nothing."""

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from cds.protocol import Coding, FeedbackReceipt
from cds.store.links import hold_link_lock, issued_patients
from cds.store.schema import feedback, insert_new, utc
from cds.types import Outcome


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
    patients: frozenset[str] = frozenset()
    """The patients of the batch's known cards: their next calls read the store."""


def save_feedback(
    conn: Connection, service_id: str, entries: Sequence[FeedbackEntry], at: datetime
) -> SavedFeedback:
    if not entries:
        return SavedFeedback(FeedbackReceipt(stored=0, duplicates=0, unknownCards=0))
    hold_link_lock(conn, exclusive=True)
    known = issued_patients(conn, {entry.card_uuid for entry in entries})
    rows = [_row(service_id, entry, at, known.get(entry.card_uuid)) for entry in entries]
    stored = conn.execute(insert_new(conn, feedback).returning(feedback.c.id), rows).all()
    receipt = FeedbackReceipt(
        stored=len(stored),
        duplicates=len(entries) - len(stored),
        unknownCards=sum(entry.card_uuid not in known for entry in entries),
    )
    return SavedFeedback(receipt, frozenset(known.values()))


def _row(
    service_id: str, entry: FeedbackEntry, at: datetime, patient_hash: str | None
) -> dict[str, object]:
    reason = entry.override_reason
    return {
        "entry_key": entry_key(service_id, entry),
        "card_uuid": entry.card_uuid,
        "service_id": service_id,
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


def entry_key(service_id: str, entry: FeedbackEntry) -> str:
    """sha256 of the entry's canonical JSON: the same feedback posted twice has one key."""
    reason = entry.override_reason
    canonical = {
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
