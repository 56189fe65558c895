"""`Store`: the service's one handle on its database.

Every method blocks on I/O: the service calls them on its own store threads
(`cds.api.runtime`), the CLI directly, never on the event loop. A `Store` is thread-safe: each
call takes its own pooled connection and transaction. Every database, driver or migration
failure surfaces as `cds.exceptions.StoreUnavailable`.
"""

from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, text

from cds.cards.issued import IssuedCard
from cds.store.audit import CallAudit, record_calls
from cds.store.database import connect, transaction
from cds.store.feedback import FeedbackEntry, SavedFeedback, save_feedback
from cds.store.links import hold_link_lock, issued_patients, link_feedback, patients_with_feedback
from cds.store.migrate import upgrade
from cds.store.recording import ShownCards, card_patients, record_cards
from cds.store.report import Report, build_report
from cds.store.schema import utc
from cds.store.suppression import Suppression, accepted_physio, suppressed


class Store:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @classmethod
    def open(cls, url: str) -> Self:
        """Connect to `url` (`sqlite:///path` or `postgresql://...`) and migrate its schema."""
        engine = connect(url)
        try:
            upgrade(engine)
        except BaseException:
            engine.dispose()
            raise
        return cls(engine)

    def close(self) -> None:
        self._engine.dispose()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def ping(self) -> None:
        with transaction(self._engine) as conn:
            conn.execute(text("SELECT 1"))

    def suppression(
        self,
        *,
        patient_hash: str,
        cards: Sequence[IssuedCard],
        now: datetime,
        period: timedelta,
    ) -> Suppression:
        """What this patient's feedback hides of `cards` (overridden within `period` before
        `now`, on unchanged evidence; never a red flag), and whether a physiotherapy referral
        was accepted: one read-only transaction."""
        with transaction(self._engine) as conn:
            hidden = suppressed(
                conn, patient_hash=patient_hash, cards=cards, now=utc(now), period=period
            )
            return Suppression(frozenset(hidden), accepted_physio(conn, patient_hash=patient_hash))

    def save_calls(
        self,
        at: datetime,
        *,
        cards: Sequence[ShownCards] = (),
        audits: Sequence[CallAudit] = (),
    ) -> set[str]:
        """Issued cards (recording one again changes nothing) and audit rows, in one
        transaction that also links the feedback stored before its card. Returns the patients
        whose feedback was linked."""
        at = utc(at)
        linked: set[str] = set()
        with transaction(self._engine, write=True) as conn:
            if cards:
                hold_link_lock(conn, exclusive=False)
                record_cards(conn, cards)
                linked = link_feedback(conn, card_patients(cards), at)
            if audits:
                record_calls(conn, audits)
        return linked

    def save_feedback(
        self, service_id: str, entries: Sequence[FeedbackEntry], at: datetime
    ) -> SavedFeedback:
        """Store a feedback request in one transaction: every new entry, or none."""
        with transaction(self._engine, write=True) as conn:
            return save_feedback(conn, service_id, entries, utc(at))

    def link(self, card_uuids: Collection[str], at: datetime) -> dict[str, str]:
        """Links the feedback on these cards that came before them; returns the patient of each
        of them that is on record, by card uuid."""
        with transaction(self._engine, write=True) as conn:
            patients = issued_patients(conn, card_uuids)
            link_feedback(conn, patients, utc(at))
            return patients

    def patients_with_feedback(self, *, linked_since: datetime | None) -> set[str]:
        """Patients whose feedback was linked to a card since then; all of them for None."""
        with transaction(self._engine) as conn:
            return patients_with_feedback(conn, None if linked_since is None else utc(linked_since))

    def report(self, *, since: datetime | None) -> Report:
        with transaction(self._engine) as conn:
            return build_report(conn, None if since is None else utc(since))
