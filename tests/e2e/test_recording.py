"""The cards a call shows are recorded off its path, in batches: within a fraction of a second
while the service runs, and the last of them when it stops. Hidden cards are not recorded."""

import time

import httpx

from tests.e2e.clinic import CAUDA_EQUINA, RADICULAR, call, one_card, overridden, post_feedback
from tests.e2e.services import serve
from tests.support.tables import rows

WRITTEN_WITHIN_S = 5.0


def issued_uuids(db: str) -> list[str]:
    return sorted(row["card_uuid"] for row in rows(db, "issued_card"))


def test_shown_cards_are_written_while_the_service_runs(client: httpx.Client, db: str) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")

    deadline = time.monotonic() + WRITTEN_WITHIN_S
    while not issued_uuids(db) and time.monotonic() < deadline:
        time.sleep(0.05)

    assert issued_uuids(db) == [card["uuid"]]


def test_the_cards_shown_are_all_written_when_the_service_stops(db: str) -> None:
    with serve(db) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        card = one_card(call(client, RADICULAR), "spinal-origin")
        post_feedback(client, overridden(card))
        assert call(client, RADICULAR) == []
        last = call(client, CAUDA_EQUINA)

    assert issued_uuids(db) == sorted([card["uuid"], *(shown["uuid"] for shown in last)])
