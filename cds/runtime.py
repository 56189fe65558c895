"""What one running service holds for its lifetime: settings, pooled client, verifier, store."""

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TypeVar

import httpx
from starlette.concurrency import run_in_threadpool

from cds import metrics
from cds.exceptions import StoreUnavailable
from cds.security import ClientVerifier
from cds.settings import Settings
from cds.store import CallAudit, Store
from cds.types import JSON

log = logging.getLogger(__name__)

T = TypeVar("T")

RETRY_SECONDS = 5.0
AUDIT_FLUSH_SECONDS = 1.0


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

    def _due(self) -> bool:
        return self._store is None and time.monotonic() >= self._next_attempt

    async def _open(self) -> Store | None:
        if self._due():
            async with self._opening:
                if self._due():
                    try:
                        self._store = await run_in_threadpool(Store.open, self.url)
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
            return await run_in_threadpool(call, store)
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
        if self._store is not None:
            self._store.close()
            self._store = None


def system_clock() -> datetime:
    return datetime.now(UTC)


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
    pending_audits: list[CallAudit] = field(default_factory=list)
    flusher: asyncio.Task[None] | None = None
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    def audit(self, record: CallAudit) -> None:
        """Queues a call's audit row; rows are written together, off the call's path."""
        self.pending_audits.append(record)

    async def flush_audits(self) -> None:
        batch, self.pending_audits = self.pending_audits, []
        if batch:
            await self.store.try_run("audit", lambda store: store.record_calls(batch), None)

    async def _flush_every(self, seconds: float) -> None:
        """Flushes until `stop()`, then once more; never cancelled in the middle of a write."""
        while not self.stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stopping.wait(), seconds)
            await self.flush_audits()

    def start(self) -> None:
        self.flusher = asyncio.get_running_loop().create_task(
            self._flush_every(AUDIT_FLUSH_SECONDS)
        )

    async def stop(self) -> None:
        self.stopping.set()
        if self.flusher is not None:
            await self.flusher
        await self.http.aclose()
        self.store.close()
