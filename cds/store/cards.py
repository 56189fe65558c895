"""Recording the cards the service issued, keyed by a keyed hash of the patient id."""

import hashlib
import hmac
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from cds.record import IssuedCard
from cds.store.schema import insert_new, issued_card, issued_suggestion

SNOMED = "http://snomed.info/sct"


def patient_hash(patient_id: str, key: bytes) -> str:
    """HMAC-SHA256 (hex) of the patient id: cards can be matched to a patient, not traced back."""
    return hmac.new(key, patient_id.encode(), hashlib.sha256).hexdigest()


def joined(values: Iterable[str]) -> str:
    return ",".join(sorted(values))


def record_cards(
    conn: Connection,
    *,
    service_id: str,
    hook_instance: str,
    patient_hash: str,
    cards: Sequence[IssuedCard],
    at: datetime,
) -> None:
    if not cards:
        return
    conn.execute(
        insert_new(conn, issued_card),
        [
            {
                "card_uuid": issued.card["uuid"],
                "service_id": service_id,
                "hook_instance": hook_instance,
                "patient_hash": patient_hash,
                "topic": issued.topic,
                "joints": joined(issued.joints),
                "side": issued.side,
                "fingerprint": issued.fingerprint,
                "indicator": issued.card["indicator"],
                "issued_at": at,
            }
            for issued in cards
        ],
    )
    suggestions = [
        {"card_uuid": issued.card["uuid"], **_suggestion(suggestion)}
        for issued in cards
        for suggestion in issued.card.get("suggestions", ())
    ]
    if suggestions:
        conn.execute(insert_new(conn, issued_suggestion), suggestions)


def _suggestion(suggestion: dict[str, Any]) -> dict[str, str | None]:
    """uuid, label and the code of the first action's resource (SNOMED CT preferred)."""
    actions = suggestion.get("actions") or [{}]
    codings = (actions[0].get("resource") or {}).get("code", {}).get("coding", [])
    coding = next((c for c in codings if c.get("system") == SNOMED), codings[0] if codings else {})
    return {
        "suggestion_uuid": suggestion["uuid"],
        "label": suggestion["label"],
        "code_system": coding.get("system"),
        "code": coding.get("code"),
    }
