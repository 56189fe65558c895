from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from cds.store import Store
from tests.support.tables import count as rows

from .builders import CALLER, NOW, overridden

SERVICE = "spinal-origin-patient-view"
THREADS = 8
PER_THREAD = 125


def test_concurrent_writers_store_every_entry_once(store: Store, url: str) -> None:
    def post(thread: int) -> int:
        stored = 0
        for i in range(PER_THREAD):
            entry = overridden(f"card-{thread}-{i}", at=NOW + timedelta(seconds=i))
            stored += store.save_feedback(CALLER, SERVICE, [entry], NOW).receipt.stored
        return stored

    with ThreadPoolExecutor(THREADS) as pool:
        stored = sum(pool.map(post, range(THREADS)))

    assert stored == rows(url, "feedback") == THREADS * PER_THREAD


def test_concurrent_duplicates_are_stored_once(store: Store, url: str) -> None:
    batch = [overridden(f"card-{i}") for i in range(20)]

    with ThreadPoolExecutor(THREADS) as pool:
        receipts = list(
            pool.map(lambda _: store.save_feedback(CALLER, SERVICE, batch, NOW), range(THREADS))
        )

    assert sum(saved.receipt.stored for saved in receipts) == rows(url, "feedback") == len(batch)
