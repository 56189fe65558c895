"""Card and suggestion uuids: random version 4 UUIDs, never repeated, also across threads."""

import uuid
from concurrent.futures import ThreadPoolExecutor

from cds.evaluation import _new_uuid


def _many(count: int) -> list[str]:
    return [_new_uuid() for _ in range(count)]


def test_uuids_are_version_4_and_unique_across_pool_refills() -> None:
    ids = _many(2_000)  # several refills of the pool of random bytes

    assert len(set(ids)) == len(ids)
    assert {uuid.UUID(i).version for i in ids} == {4}
    assert {uuid.UUID(i).variant for i in ids} == {uuid.RFC_4122}


def test_threads_never_hand_out_the_same_uuid() -> None:
    with ThreadPoolExecutor(max_workers=4) as pool:
        batches = list(pool.map(_many, [1_000] * 8))

    ids = [i for batch in batches for i in batch]
    assert len(set(ids)) == len(ids)
