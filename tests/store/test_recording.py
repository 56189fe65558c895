"""The runtime's side of the store: cards queued and written in batches, feedback stored after
them, and the patients with feedback kept in memory so that other patients' calls skip the store.

The runtime here runs no background task: each test flushes and polls when it means to.
"""

import logging
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager

import httpx
import pytest
from sqlalchemy import text

from cds.api.runtime import Runtime, StoreConnection
from cds.metrics import REGISTRY
from cds.settings import Settings
from cds.store import CallAudit, Store
from cds.store.backlog import Backlog
from cds.store.database import connect
from tests.support.tables import count, rows

from .builders import (
    CALLER,
    NOW,
    OTHER_PATIENT,
    PATIENT,
    accepted,
    issued,
    overridden,
    record,
    shown,
)

SERVICE = "spinal-origin-patient-view"
AUDIT = CallAudit("h-1", SERVICE, ("spinal-origin",), 1, 12.5, 200, NOW)


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@asynccontextmanager
async def runtime(url: str) -> AsyncIterator[Runtime]:
    """A runtime on `url` (migrated) at the builders' clock, stopped at the end."""
    runtime = Runtime(
        settings=Settings(database_url=url),
        http=httpx.AsyncClient(),
        verifier=None,
        store=StoreConnection(url),
        hash_key=b"test key",
        clock=lambda: NOW,
    )
    try:
        await runtime.store.run("ping", Store.ping)
        yield runtime
    finally:
        await runtime.stop()


@contextmanager
def missing(url: str, table: str) -> Iterator[None]:
    """`table` renamed away for the block: every statement on it fails."""
    engine = connect(url)
    try:
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table} RENAME TO {table}_away"))
        yield
        with engine.begin() as conn:
            conn.execute(text(f"ALTER TABLE {table}_away RENAME TO {table}"))
    finally:
        engine.dispose()


def store_errors(caplog: pytest.LogCaptureFixture, operation: str) -> int:
    return sum(
        getattr(line, "operation", None) == operation
        for line in caplog.records
        if line.getMessage() == "store.unavailable"
    )


@pytest.mark.anyio
async def test_feedback_finds_a_card_its_process_has_not_flushed_yet(url: str) -> None:
    card = issued()
    async with runtime(url) as cds:
        cds.record(shown(card))

        receipt = await cds.save_feedback(CALLER, SERVICE, [overridden(card)])

    assert receipt.unknownCards == 0
    assert [row["known_card"] for row in rows(url, "feedback")] == [True]


@pytest.mark.anyio
async def test_queued_cards_and_audit_rows_are_written_together(url: str) -> None:
    async with runtime(url) as cds:
        for _ in range(3):
            cds.record(shown(issued(), issued("red-flag")))
            cds.audit(AUDIT)
        cds.record(shown())
        assert count(url, "issued_card") == 0

        await cds.flush()

        assert (count(url, "issued_card"), count(url, "call_audit")) == (6, 3)
        assert (len(cds.cards), len(cds.audits)) == (0, 0)


@pytest.mark.anyio
async def test_a_failed_flush_is_written_by_the_next(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with runtime(url) as cds:
        await cds.sync_feedback()
        cds.record(shown(issued()))
        cds.audit(AUDIT)
        with missing(url, "issued_card"), caplog.at_level(logging.WARNING, logger="cds"):
            await cds.flush()
        assert store_errors(caplog, "flush") == 1
        assert (len(cds.cards), len(cds.audits), count(url, "call_audit")) == (1, 1, 0)

        await cds.flush()

    assert (count(url, "issued_card"), count(url, "call_audit")) == (1, 1)


@pytest.mark.anyio
async def test_a_card_written_after_its_feedback_is_linked_and_then_hides(url: str) -> None:
    """Feedback reached another process before this one wrote the card."""
    card, again = issued(), issued()
    async with runtime(url) as cds, runtime(url) as other:
        await cds.sync_feedback()
        cds.record(shown(card))
        receipt = await other.save_feedback(CALLER, SERVICE, [overridden(card)])
        assert receipt.unknownCards == 1
        assert not (await cds.suppression((CALLER, PATIENT), [again], NOW)).hidden

        await cds.flush()

        assert (await cds.suppression((CALLER, PATIENT), [again], NOW)).hidden == {again.uuid}


@pytest.mark.anyio
async def test_only_a_patient_with_feedback_is_read_from_the_store(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    card = issued()
    async with runtime(url) as cds:
        await cds.sync_feedback()
        cds.record(shown(card))
        await cds.save_feedback(CALLER, SERVICE, [overridden(card)])
        assert (await cds.suppression((CALLER, PATIENT), [issued()], NOW)).hidden, (
            "read its own writes"
        )

        with missing(url, "feedback"), caplog.at_level(logging.WARNING, logger="cds"):
            await cds.suppression((CALLER, OTHER_PATIENT), [issued()], NOW)
            assert store_errors(caplog, "suppression") == 0, "no feedback: the store is left alone"
            await cds.suppression((CALLER, PATIENT), [issued()], NOW)
            assert store_errors(caplog, "suppression") == 1


@pytest.mark.anyio
async def test_until_loaded_every_patient_is_read_from_the_store(
    url: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with runtime(url) as cds:
        with missing(url, "feedback"), caplog.at_level(logging.WARNING, logger="cds"):
            await cds.suppression((CALLER, OTHER_PATIENT), [issued()], NOW)

    assert store_errors(caplog, "suppression") == 1


@pytest.mark.anyio
async def test_a_poll_learns_the_feedback_other_processes_stored(url: str) -> None:
    linked_at_once, linked_later = issued(), issued()
    async with runtime(url) as cds:
        await cds.sync_feedback()
        with Store.open(url) as other:
            record(other, linked_at_once)
            other.save_feedback(CALLER, SERVICE, [accepted(linked_at_once)], NOW)
            other.save_feedback(CALLER, SERVICE, [overridden(linked_later)], NOW)
            assert not cds.patients.may_have_feedback((CALLER, PATIENT))

            await cds.sync_feedback()
            assert cds.patients.may_have_feedback((CALLER, PATIENT))
            assert not cds.patients.may_have_feedback((CALLER, OTHER_PATIENT))

            record(other, linked_later, patient=OTHER_PATIENT)
            await cds.sync_feedback()
            assert cds.patients.may_have_feedback((CALLER, OTHER_PATIENT))


def test_a_full_backlog_drops_its_oldest_rows() -> None:
    backlog: Backlog[int] = Backlog("test", limit=3)

    def dropped() -> float:
        value = REGISTRY.get_sample_value("cds_store_errors_total", {"operation": "test_dropped"})
        return value or 0.0

    before = dropped()
    for row in range(5):
        backlog.add(row)
    backlog.put_back(backlog.take(2))
    backlog.add(5)

    assert backlog.take(10) == [3, 4, 5]
    assert dropped() - before == 3
