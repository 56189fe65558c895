"""Two `cds serve` processes on one PostgreSQL database, as two replicas behind a load
balancer: each sees the cards and the feedback the other stored. The replica that stored
feedback honours it at once; the other within CDS_FEEDBACK_SYNC_SECONDS."""

import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.e2e.clinic import (
    RADICULAR,
    accepted,
    call,
    one_card,
    overridden,
    physiotherapy,
    post_feedback,
    with_new_radiculopathy,
)
from tests.e2e.services import cds_servers, service_environment
from tests.support.postgres import fresh_schema

SYNC_SECONDS = 0.2
HONOURED_WITHIN_S = 5.0


def eventually(check: Callable[[], bool]) -> bool:
    """Whether `check()` comes true within a few seconds, asked again and again."""
    deadline = time.monotonic() + HONOURED_WITHIN_S
    while not check():
        if time.monotonic() > deadline:
            return False
        time.sleep(SYNC_SECONDS / 4)
    return True


@pytest.fixture
def replicas(
    postgres_database: str | None, tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of replicas A and B, started together on one empty schema (both migrate it)."""
    if postgres_database is None:
        pytest.skip("PostgreSQL unreachable")
    with fresh_schema(postgres_database) as url, ExitStack() as stack:
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        env = service_environment(url, CDS_FEEDBACK_SYNC_SECONDS=str(SYNC_SECONDS))
        a, b = stack.enter_context(cds_servers(env, logs))
        yield (
            stack.enter_context(httpx.Client(base_url=a.base_url, timeout=10)),
            stack.enter_context(httpx.Client(base_url=b.base_url, timeout=10)),
        )


def test_an_override_through_one_replica_hides_the_card_on_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = replicas
    card = one_card(call(a, RADICULAR), "spinal-origin")

    receipt = post_feedback(b, overridden(card))

    assert receipt["unknownCards"] == 0, "B knows the card A issued"
    assert call(b, RADICULAR) == [], "at once on the replica that stored the override"
    assert eventually(lambda: call(a, RADICULAR) == []), "soon on the other"


def test_physiotherapy_accepted_through_one_replica_is_not_offered_by_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = replicas
    card = one_card(call(b, RADICULAR), "spinal-origin")

    post_feedback(a, accepted(card, *physiotherapy(card)))

    def offered(replica: httpx.Client) -> bool:
        again = one_card(call(replica, with_new_radiculopathy(RADICULAR)), "spinal-origin")
        return physiotherapy(again) != []

    assert not offered(a), "at once on the replica that stored the acceptance"
    assert eventually(lambda: not offered(b)), "soon on the other"
