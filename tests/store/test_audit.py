from dataclasses import replace

import pytest

from cds.store import CallAudit, Store
from tests.support.tables import count as rows

from .builders import NOW

CALL = CallAudit(
    hook_instance="d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    service_id="spinal-origin-patient-view",
    topics=("spinal-origin", "red-flag"),
    card_count=2,
    latency_ms=41.5,
    status=200,
    at=NOW,
)


def test_every_call_is_recorded(store: Store, url: str) -> None:
    store.save_calls(NOW, audits=[CALL, replace(CALL, topics=(), card_count=0, status=503)])
    store.save_calls(NOW, audits=[CALL])

    assert rows(url, "call_audit") == 3


def test_a_call_needs_an_aware_time(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.save_calls(NOW, audits=[replace(CALL, at=NOW.replace(tzinfo=None))])
