"""Feedback and the cards it is about: a feedback row gets its card's patient (is linked) when
it is stored, or later when its card is recorded after it; which patients have linked feedback.
Feedback is linked only to a card of its own caller (or, without a caller, of any).

On PostgreSQL, recording cards and storing feedback would otherwise miss each other when their
transactions overlap (each reading before the other commits): recording cards takes a shared
advisory lock, storing feedback the exclusive one. SQLite's writers are serialized already.
"""

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Connection, bindparam, or_, select, text, update

from cds.store.recording import PatientKey
from cds.store.schema import feedback, issued_card

LINK_LOCK_KEY = 0x0C_D5_11_4C
"""Arbitrary, fixed, and not the migrations' key."""


def hold_link_lock(conn: Connection, *, exclusive: bool) -> None:
    if conn.dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        conn.execute(text(f"SELECT {lock}(:key)"), {"key": LINK_LOCK_KEY})


def issued_patients(
    conn: Connection, card_uuids: Collection[str], caller: str | None
) -> dict[str, PatientKey]:
    """The caller and patient of each of these cards that is on record, by card uuid: only the
    cards of `caller`, unless it is None (open-mode feedback)."""
    if not card_uuids:
        return {}
    query = select(issued_card.c.card_uuid, issued_card.c.caller, issued_card.c.patient_hash).where(
        issued_card.c.card_uuid.in_(card_uuids)
    )
    if caller is not None:
        query = query.where(issued_card.c.caller == caller)
    return {uuid: (owner, patient) for uuid, owner, patient in conn.execute(query)}


def link_feedback(
    conn: Connection, patients: Mapping[str, PatientKey], at: datetime
) -> set[PatientKey]:
    """Gives the unlinked feedback on these cards (uuid → caller and patient) its card's patient,
    when it came from the card's caller or from no caller; returns the patients linked."""
    if not patients:
        return set()
    rows = conn.execute(
        select(feedback.c.card_uuid, feedback.c.caller).where(
            feedback.c.card_uuid.in_(list(patients)), feedback.c.patient_hash.is_(None)
        )
    )
    waiting = {uuid for uuid, caller in rows if caller in (None, patients[uuid][0])}
    if waiting:
        conn.execute(
            update(feedback)
            .where(
                feedback.c.card_uuid == bindparam("card"),
                feedback.c.patient_hash.is_(None),
                or_(feedback.c.caller.is_(None), feedback.c.caller == bindparam("owner")),
            )
            .values(
                patient_hash=bindparam("patient"),
                caller=bindparam("owner"),
                known_card=True,
                linked_at=at,
            ),
            [
                {"card": uuid, "owner": patients[uuid][0], "patient": patients[uuid][1]}
                for uuid in sorted(waiting)
            ],
        )
    return {patients[uuid] for uuid in waiting}


def patients_with_feedback(conn: Connection, linked_since: datetime | None) -> set[PatientKey]:
    """Callers' patients with feedback linked since then (all of them for None)."""
    linked = (
        feedback.c.patient_hash.is_not(None)
        if linked_since is None
        else feedback.c.linked_at >= linked_since
    )
    query = select(feedback.c.caller, feedback.c.patient_hash).where(linked).distinct()
    return {(caller, patient) for caller, patient in conn.execute(query)}
