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
from cds.store.recording import PatientKey, ShownCards, card_patients, record_cards
from cds.store.report import Report, build_report
from cds.store.retention import purge
from cds.store.schema import utc
from cds.store.suppression import Suppression, accepted_physio, suppressed
from cds.store.tokens import first_use


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
        patient: PatientKey,
        cards: Sequence[IssuedCard],
        now: datetime,
        period: timedelta,
    ) -> Suppression:
        """What this caller's feedback on this patient hides of `cards` (overridden within
        `period` before `now`, on unchanged evidence; never a red flag), and whether a
        physiotherapy referral was accepted: one read-only transaction."""
        with transaction(self._engine) as conn:
            hidden = suppressed(conn, patient=patient, cards=cards, now=utc(now), period=period)
            return Suppression(frozenset(hidden), accepted_physio(conn, patient=patient))

    def save_calls(
        self,
        at: datetime,
        *,
        cards: Sequence[ShownCards] = (),
        audits: Sequence[CallAudit] = (),
    ) -> set[PatientKey]:
        """Issued cards (recording one again changes nothing) and audit rows, in one
        transaction that also links the feedback stored before its card. Returns the patients
        whose feedback was linked."""
        at = utc(at)
        linked: set[PatientKey] = set()
        with transaction(self._engine, write=True) as conn:
            if cards:
                hold_link_lock(conn, exclusive=False)
                record_cards(conn, cards)
                linked = link_feedback(conn, card_patients(cards), at)
            if audits:
                record_calls(conn, audits)
        return linked

    def save_feedback(
        self,
        caller: str | None,
        service_id: str,
        entries: Sequence[FeedbackEntry],
        at: datetime,
    ) -> SavedFeedback:
        """Store a feedback request in one transaction: every new entry, or none (but those
        on unknown cards beyond the caller's bound). `caller` None: unauthenticated."""
        with transaction(self._engine, write=True) as conn:
            return save_feedback(conn, caller, service_id, entries, utc(at))

    def link(
        self, card_uuids: Collection[str], caller: str | None, at: datetime
    ) -> dict[str, PatientKey]:
        """Links the feedback on these cards that came before them; returns the caller and
        patient of each of them that is on record for `caller`, by card uuid."""
        with transaction(self._engine, write=True) as conn:
            patients = issued_patients(conn, card_uuids, caller)
            link_feedback(conn, patients, utc(at))
            return patients

    def first_use(self, token_key: str, until: datetime, now: datetime) -> bool:
        """Records an accepted token until it expires; False when it was recorded already."""
        with transaction(self._engine, write=True) as conn:
            return first_use(conn, token_key, utc(until), utc(now))

    def purge(self, *, before: datetime, tokens_expired_by: datetime) -> dict[str, int]:
        """Deletes what is older than `before`, and the tokens expired by then: rows deleted
        per table."""
        with transaction(self._engine, write=True) as conn:
            return purge(conn, before=utc(before), tokens_expired_by=utc(tokens_expired_by))

    def patients_with_feedback(self, *, linked_since: datetime | None) -> set[PatientKey]:
        """Patients whose feedback was linked to a card since then; all of them for None."""
        with transaction(self._engine) as conn:
            return patients_with_feedback(conn, None if linked_since is None else utc(linked_since))

    def report(self, *, since: datetime | None) -> Report:
        with transaction(self._engine) as conn:
            return build_report(conn, None if since is None else utc(since))
