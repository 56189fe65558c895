"""Two `cds serve` processes on one PostgreSQL database, as two replicas behind a load
balancer: each sees the cards and the feedback the other stored."""

from collections.abc import Iterator
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
from tests.postgres import fresh_schema


@pytest.fixture
def replicas(
    postgres_database: str | None, tmp_path: Path
) -> Iterator[tuple[httpx.Client, httpx.Client]]:
    """Clients of replicas A and B, started together on one empty schema (both migrate it)."""
    if postgres_database is None:
        pytest.skip("PostgreSQL unreachable")
    with fresh_schema(postgres_database) as url, ExitStack() as stack:
        logs = [tmp_path / "a.log", tmp_path / "b.log"]
        a, b = stack.enter_context(cds_servers(service_environment(url), logs))
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
    assert call(a, RADICULAR) == []
    assert call(b, RADICULAR) == []


def test_physiotherapy_accepted_through_one_replica_is_not_offered_by_the_other(
    replicas: tuple[httpx.Client, httpx.Client],
) -> None:
    a, b = replicas
    card = one_card(call(b, RADICULAR), "spinal-origin")

    post_feedback(a, accepted(card, *physiotherapy(card)))

    again = one_card(call(b, with_new_radiculopathy(RADICULAR)), "spinal-origin")
    assert physiotherapy(again) == []
