"""What one running service holds for its lifetime: settings, pooled client, verifier, store,
the cards and audit rows waiting for the store, and the patients with feedback.

Patients are known per caller (`PatientKey`): one caller's feedback never hides or trims another
caller's cards."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import httpx

from cds import metrics
from cds.cards.issued import IssuedCard
from cds.exceptions import StoreUnavailable
from cds.protocol import FeedbackReceipt
from cds.security import ClientVerifier
from cds.settings import Settings
from cds.store import (
    NOTHING_SUPPRESSED,
    CallAudit,
    FeedbackEntry,
    PatientKey,
    ShownCards,
    Store,
    Suppression,
)
from cds.store.backlog import Backlog
from cds.types import JSON

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0
STORE_THREADS = 2
"""Threads that talk to the database: few and long-lived, so a process holds few connections
and its memory stays flat (every thread that allocates gets a malloc arena of its own)."""
FLUSH_SECONDS = 0.2
"""Queued cards and audit rows are written this often: at most this late, if the store is up."""
FLUSH_BATCH = 1_000
"""Calls whose cards (and audit rows) are written per transaction."""
BACKLOG_LIMIT = 10_000
"""Calls whose cards (and, apart, whose audit rows) may wait for the store; the oldest go first."""
LINK_AGAIN_SECONDS = 2 * FLUSH_SECONDS
"""How long feedback on a card not on record yet waits for another process to record it."""
PURGE_SECONDS = 3600.0
"""How often each process deletes what is past the retention period (and once at start)."""
SYNC_MARGIN = timedelta(seconds=60)
"""Each poll reads again feedback linked this long before the last one: late commits (a writer
stamps its rows before it may wait for a lock), other hosts' clocks."""


class StoreConnection:
    """Opens the store on first use and again after a failure, at most every few seconds.

    Calls go on without the store when it is down: the caller decides what that means.
    Concurrent first calls wait for one opening rather than each opening (and leaking) a store.
    """

    def __init__(self, url: str) -> None:
        self.url = url
        self._store: Store | None = None
        self._next_attempt = 0.0
        self._opening = asyncio.Lock()
        self._threads = ThreadPoolExecutor(STORE_THREADS, thread_name_prefix="cds-store")

    async def _in_thread(self, call: Callable[[], T]) -> T:
        return await asyncio.get_running_loop().run_in_executor(self._threads, call)

    def _due(self) -> bool:
        return self._store is None and time.monotonic() >= self._next_attempt

    async def _open(self) -> Store | None:
        if self._due():
            async with self._opening:
                if self._due():
                    try:
                        self._store = await self._in_thread(lambda: Store.open(self.url))
                    except StoreUnavailable:
                        self._next_attempt = time.monotonic() + RETRY_SECONDS
                        metrics.STORE_ERRORS.labels("open").inc()
                        log.warning("store.unavailable", extra={"operation": "open"})
        return self._store

    async def run(self, operation: str, call: Callable[[Store], T]) -> T:
        """Runs `call` on the store in a worker thread; raises StoreUnavailable when it can't."""
        store = await self._open()
        try:
            if store is None:
                raise StoreUnavailable("the store cannot be reached")
            return await self._in_thread(lambda: call(store))
        except StoreUnavailable:
            metrics.STORE_ERRORS.labels(operation).inc()
            log.warning("store.unavailable", extra={"operation": operation})
            raise

    async def try_run(self, operation: str, call: Callable[[Store], T], default: T) -> T:
        try:
            return await self.run(operation, call)
        except StoreUnavailable:
            return default

    def close(self) -> None:
        self._threads.shutdown(wait=True)
        if self._store is not None:
            self._store.close()
            self._store = None


def system_clock() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class StoreTokenLedger:
    """The `jti` of accepted tokens, in the store: a token used on one process (or replica) is
    refused on every other. While the store is down, each process's own memory still refuses
    a token it has seen."""

    store: StoreConnection
    clock: Callable[[], datetime] = system_clock

    async def first_use(self, key: str, until: datetime) -> bool:
        now = self.clock()
        return await self.store.try_run("jti", lambda store: store.first_use(key, until, now), True)


@dataclass
class FeedbackPatients:
    """The patients whose feedback may hide or trim a card, as far as this process knows: calls
    for any other patient leave the store alone. Until loaded, every patient may have some."""

    known: set[PatientKey] = field(default_factory=set)
    since: datetime | None = None
    """The next poll reads the feedback linked from then on; None until loaded."""

    def may_have_feedback(self, patient: PatientKey) -> bool:
        return self.since is None or patient in self.known

    def add(self, patients: Iterable[PatientKey]) -> None:
        self.known.update(patients)

    def loaded(self, patients: Iterable[PatientKey], next_since: datetime) -> None:
        self.known.update(patients)
        self.since = next_since


@dataclass
class Runtime:
    settings: Settings
    http: httpx.AsyncClient
    verifier: ClientVerifier | None
    store: StoreConnection
    hash_key: bytes
    clock: Callable[[], datetime] = system_clock
    fhir_server_patterns: tuple[str, ...] = ()
    prefetch: dict[str, str] = field(default_factory=dict)
    discovery: JSON = field(default_factory=dict)
    cards: Backlog[ShownCards] = field(default_factory=lambda: Backlog("cards", BACKLOG_LIMIT))
    audits: Backlog[CallAudit] = field(default_factory=lambda: Backlog("audits", BACKLOG_LIMIT))
    patients: FeedbackPatients = field(default_factory=FeedbackPatients)
    flushing: asyncio.Lock = field(default_factory=asyncio.Lock)
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def audit(self, record: CallAudit) -> None:
        """Queues a call's audit row; rows are written together, off the call's path."""
        self.audits.add(record)

    def record(self, shown: ShownCards) -> None:
        """Queues the cards a call showed, like its audit row."""
        if shown.cards:
            self.cards.add(shown)

    async def suppression(
        self, patient: PatientKey, cards: Sequence[IssuedCard], now: datetime
    ) -> Suppression:
        """What the patient's feedback hides: read from the store only for a patient who may
        have some; nothing is hidden when it cannot be read."""
        if not self.patients.may_have_feedback(patient):
            return NOTHING_SUPPRESSED
        period = self.settings.suppression_period

        def read(store: Store) -> Suppression:
            return store.suppression(patient=patient, cards=cards, now=now, period=period)

        return await self.store.try_run("suppression", read, NOTHING_SUPPRESSED)

    async def flush(self) -> None:
        """Writes what is queued, a batch per transaction, until a write fails: its batch is
        first in line for the next flush."""
        async with self.flushing:
            for _ in range(1 + max(len(self.cards), len(self.audits)) // FLUSH_BATCH):
                cards, audits = self.cards.take(FLUSH_BATCH), self.audits.take(FLUSH_BATCH)
                if not cards and not audits:
                    return
                if not await self._write(cards, audits):
                    self.cards.put_back(cards)
                    self.audits.put_back(audits)
                    return

    async def _write(self, cards: list[ShownCards], audits: list[CallAudit]) -> bool:
        at = self.clock()
        try:
            linked = await self.store.run(
                "flush", lambda store: store.save_calls(at, cards=cards, audits=audits)
            )
        except StoreUnavailable:
            return False
        self.patients.add(linked)
        return True

    async def save_feedback(
        self, caller: str | None, service_id: str, entries: Sequence[FeedbackEntry]
    ) -> FeedbackReceipt:
        """Stores feedback before it is answered, after this process's queued cards: feedback
        on a card this process showed finds it. A card another process has yet to write is
        looked for again after two of its flushes; that flush links the feedback anyway.
        `caller` None: unauthenticated feedback, about whichever caller's card it names."""
        await self.flush()
        at = self.clock()
        saved = await self.store.run(
            "feedback", lambda store: store.save_feedback(caller, service_id, entries, at)
        )
        if saved.dropped:
            metrics.STORE_ERRORS.labels("feedback_dropped").inc(saved.dropped)
            log.warning("feedback.dropped", extra={"entries": saved.dropped, "caller": caller})
        self.patients.add(saved.patients)
        receipt = saved.receipt
        if not receipt.unknownCards:
            return receipt
        await asyncio.sleep(LINK_AGAIN_SECONDS)
        uuids, later = {entry.card_uuid for entry in entries}, self.clock()
        issued = await self.store.try_run(
            "link", lambda store: store.link(uuids, caller, later), None
        )
        if issued is None:
            return receipt
        self.patients.add(issued.values())
        unknown = sum(entry.card_uuid not in issued for entry in entries)
        return receipt.model_copy(update={"unknownCards": unknown})

    async def sync_feedback(self) -> None:
        """Learns which patients have feedback: all of them first, then those whose feedback
        was linked since the last poll, by any process. (A clock frozen by CDS_NOW never moves
        the poll on: each one reads all of them again.)"""
        since, polled_at = self.patients.since, self.clock()
        found = await self.store.try_run(
            "feedback_sync", lambda store: store.patients_with_feedback(linked_since=since), None
        )
        if found is not None:
            self.patients.loaded(found, polled_at - SYNC_MARGIN)

    async def _sleep(self, seconds: float) -> None:
        """`seconds`, or less if `stop()` comes first."""
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self.stopping.wait(), seconds)

    async def _flush_every(self, seconds: float) -> None:
        """Flushes until `stop()`, then once more; never cancelled in the middle of a write."""
        while not self.stopping.is_set():
            await self._sleep(seconds)
            await self.flush()
        if self.cards or self.audits:
            lost = {"cards": len(self.cards), "audits": len(self.audits)}
            log.warning("store.unflushed", extra=lost)

    async def _sync_every(self, seconds: float) -> None:
        while not self.stopping.is_set():
            await self.sync_feedback()
            await self._sleep(seconds)

    async def purge(self) -> None:
        """Deletes what is past `CDS_RETENTION_DAYS` on the service's clock, and the `jti` of
        tokens expired on the real one (tokens are checked against it)."""
        before, now = self.clock() - self.settings.retention_period, system_clock()
        deleted = await self.store.try_run(
            "purge", lambda store: store.purge(before=before, tokens_expired_by=now), None
        )
        if deleted and any(deleted.values()):
            log.info("store.purged", extra={"before": before.isoformat(), **deleted})

    async def _purge_every(self, seconds: float) -> None:
        while not self.stopping.is_set():
            await self.purge()
            await self._sleep(seconds)

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        self.tasks = [
            loop.create_task(self._flush_every(FLUSH_SECONDS)),
            loop.create_task(self._sync_every(self.settings.feedback_sync_seconds)),
            loop.create_task(self._purge_every(PURGE_SECONDS)),
        ]

    async def stop(self) -> None:
        self.stopping.set()
        for task in self.tasks:
            await task
        await self.http.aclose()
        self.store.close()
