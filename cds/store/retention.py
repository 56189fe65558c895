"""What the store forgets: rows past the retention period, and client tokens once expired.

Deleting old issued cards, feedback and audit rows keeps the store bounded and lets no patient
hash live for ever; a token's `jti` need only be remembered until the token expires.
"""

from datetime import datetime

from sqlalchemy import Connection, delete, select

from cds.store.schema import call_audit, feedback, issued_card, issued_suggestion, seen_token


def purge(conn: Connection, *, before: datetime, tokens_expired_by: datetime) -> dict[str, int]:
    old_cards = select(issued_card.c.card_uuid).where(issued_card.c.issued_at < before)
    deleted = {
        "issued_suggestion": conn.execute(
            delete(issued_suggestion).where(issued_suggestion.c.card_uuid.in_(old_cards))
        ).rowcount,
        "issued_card": conn.execute(
            delete(issued_card).where(issued_card.c.issued_at < before)
        ).rowcount,
        "feedback": conn.execute(delete(feedback).where(feedback.c.received_at < before)).rowcount,
        "call_audit": conn.execute(delete(call_audit).where(call_audit.c.at < before)).rowcount,
        "seen_token": conn.execute(
            delete(seen_token).where(seen_token.c.expires_at < tokens_expired_by)
        ).rowcount,
    }
    return deleted
