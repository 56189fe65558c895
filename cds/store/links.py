"""Feedback and the cards it is about: a feedback row gets its card's patient (is linked) when
it is stored, or later when its card is recorded after it; which patients have linked feedback.

On PostgreSQL, recording cards and storing feedback would otherwise miss each other when their
transactions overlap (each reading before the other commits): recording cards takes a shared
advisory lock, storing feedback the exclusive one. SQLite's writers are serialized already.
"""

from collections.abc import Collection, Mapping
from datetime import datetime

from sqlalchemy import Connection, bindparam, select, text, update

from cds.store.schema import feedback, issued_card

LINK_LOCK_KEY = 0x0C_D5_11_4C
"""Arbitrary, fixed, and not the migrations' key."""


def hold_link_lock(conn: Connection, *, exclusive: bool) -> None:
    if conn.dialect.name == "postgresql":
        lock = "pg_advisory_xact_lock" if exclusive else "pg_advisory_xact_lock_shared"
        conn.execute(text(f"SELECT {lock}(:key)"), {"key": LINK_LOCK_KEY})


def issued_patients(conn: Connection, card_uuids: Collection[str]) -> dict[str, str]:
    """The patient of each of these cards that is on record, by card uuid."""
    if not card_uuids:
        return {}
    rows = conn.execute(
        select(issued_card.c.card_uuid, issued_card.c.patient_hash).where(
            issued_card.c.card_uuid.in_(card_uuids)
        )
    )
    return {uuid: patient for uuid, patient in rows}


def link_feedback(conn: Connection, patients: Mapping[str, str], at: datetime) -> set[str]:
    """Gives the unlinked feedback on these cards (uuid → patient) its card's patient; returns
    the patients whose feedback was linked."""
    if not patients:
        return set()
    waiting = set(
        conn.scalars(
            select(feedback.c.card_uuid).where(
                feedback.c.card_uuid.in_(list(patients)), feedback.c.patient_hash.is_(None)
            )
        )
    )
    if waiting:
        conn.execute(
            update(feedback)
            .where(feedback.c.card_uuid == bindparam("card"), feedback.c.patient_hash.is_(None))
            .values(patient_hash=bindparam("patient"), known_card=True, linked_at=at),
            [{"card": uuid, "patient": patients[uuid]} for uuid in sorted(waiting)],
        )
    return {patients[uuid] for uuid in waiting}


def patients_with_feedback(conn: Connection, linked_since: datetime | None) -> set[str]:
    """Patients with feedback linked since then (all of them for None)."""
    linked = (
        feedback.c.patient_hash.is_not(None)
        if linked_since is None
        else feedback.c.linked_at >= linked_since
    )
    return set(conn.scalars(select(feedback.c.patient_hash).where(linked).distinct()))
