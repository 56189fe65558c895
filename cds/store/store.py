"""`Store`: the service's one handle on its database.

Every method blocks on I/O: async code calls them in a worker thread
(`anyio.to_thread.run_sync`, `starlette.concurrency.run_in_threadpool`), never on the event
loop. A `Store` is thread-safe: each call takes its own pooled connection and transaction.
Every database, driver or migration failure surfaces as `cds.exceptions.StoreUnavailable`.
"""

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from types import TracebackType
from typing import Self

from sqlalchemy import Engine, text

from cds.record import IssuedCard
from cds.store.audit import CallAudit, record_calls
from cds.store.cards import record_cards
from cds.store.engine import connect, transaction
from cds.store.feedback import FeedbackEntry, FeedbackReceipt, save_feedback
from cds.store.migrate import upgrade
from cds.store.report import Report, build_report
from cds.store.schema import utc
from cds.store.suppression import accepted_physio, suppressed


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

    def issue(
        self,
        *,
        service_id: str,
        hook_instance: str,
        patient_hash: str,
        cards: Sequence[IssuedCard],
        now: datetime,
        period: timedelta,
        choose: Callable[[set[str], bool], list[IssuedCard]],
    ) -> tuple[list[IssuedCard], set[str]]:
        """What `suppressed` and `accepted_physio` say, `choose` turned into the cards to show,
        and those recorded: one transaction, the store's whole part in a service call.

        Returns the cards shown and the uuids hidden.
        """
        now = utc(now)
        with transaction(self._engine, write=True) as conn:
            hidden = suppressed(
                conn, patient_hash=patient_hash, cards=cards, now=now, period=period
            )
            shown = choose(hidden, accepted_physio(conn, patient_hash=patient_hash))
            if shown:
                record_cards(
                    conn,
                    service_id=service_id,
                    hook_instance=hook_instance,
                    patient_hash=patient_hash,
                    cards=shown,
                    at=now,
                )
            return shown, hidden

    def record_cards(
        self,
        *,
        service_id: str,
        hook_instance: str,
        patient_hash: str,
        cards: Sequence[IssuedCard],
        at: datetime,
    ) -> None:
        """Remember issued cards and their suggestions; recording a card again changes nothing."""
        with transaction(self._engine, write=True) as conn:
            record_cards(
                conn,
                service_id=service_id,
                hook_instance=hook_instance,
                patient_hash=patient_hash,
                cards=cards,
                at=utc(at),
            )

    def save_feedback(
        self, service_id: str, entries: Sequence[FeedbackEntry], at: datetime
    ) -> FeedbackReceipt:
        """Store a feedback request in one transaction: every new entry, or none."""
        with transaction(self._engine, write=True) as conn:
            return save_feedback(conn, service_id, entries, utc(at))

    def record_calls(self, audits: Sequence[CallAudit]) -> None:
        """One row per service call, written in one transaction."""
        with transaction(self._engine, write=True) as conn:
            record_calls(conn, audits)

    def suppressed(
        self,
        *,
        patient_hash: str,
        cards: Sequence[IssuedCard],
        now: datetime,
        period: timedelta,
    ) -> set[str]:
        """uuids of `cards` to hide: overridden for this patient within `period` before `now`,
        on unchanged evidence. Red-flag cards are never hidden."""
        with transaction(self._engine) as conn:
            return suppressed(
                conn, patient_hash=patient_hash, cards=cards, now=utc(now), period=period
            )

    def accepted_physio(self, *, patient_hash: str) -> bool:
        """Whether a physiotherapy referral suggested for this patient was ever accepted."""
        with transaction(self._engine) as conn:
            return accepted_physio(conn, patient_hash=patient_hash)

    def report(self, *, since: datetime | None) -> Report:
        with transaction(self._engine) as conn:
            return build_report(conn, None if since is None else utc(since))
