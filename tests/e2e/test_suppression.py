"""Issue #5: an override posted through the feedback endpoint hides that card on the next call
for the same patient, until its evidence changes; red flags always show; accepted
physiotherapy is not suggested again. On SQLite and on PostgreSQL."""

import httpx

from tests.e2e.clinic import (
    RADICULAR,
    accepted,
    call,
    one_card,
    overridden,
    physiotherapy,
    post_feedback,
    with_cauda_equina,
    with_new_radiculopathy,
)
from tests.e2e.services import serve


def test_an_override_hides_the_card_until_its_evidence_changes(client: httpx.Client) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")

    receipt = post_feedback(client, overridden(card, "already-assessed"))

    assert receipt == {"stored": 1, "duplicates": 0, "unknownCards": 0}
    assert call(client, RADICULAR) == []
    assert call(client, RADICULAR) == [], "still hidden on every later call"
    again = one_card(call(client, with_new_radiculopathy(RADICULAR)), "spinal-origin")
    assert again["uuid"] != card["uuid"]
    assert again["summary"] == card["summary"]


def test_feedback_right_after_the_call_finds_its_card(client: httpx.Client) -> None:
    """The EHR may send feedback the moment it has the card: the card is recorded by then."""
    for _ in range(5):
        card = one_card(call(client, with_new_radiculopathy(RADICULAR)), "spinal-origin")
        assert post_feedback(client, accepted(card))["unknownCards"] == 0


def test_a_red_flag_shows_even_when_overridden(client: httpx.Client) -> None:
    flagged = with_cauda_equina(RADICULAR)
    red = one_card(call(client, flagged), "red-flag")
    assert red["indicator"] == "critical"

    post_feedback(client, overridden(red, "not-clinically-relevant"))

    again = one_card(call(client, flagged), "red-flag")
    assert again["summary"] == red["summary"]


def test_a_new_red_flag_shows_after_the_routine_card_was_overridden(
    client: httpx.Client,
) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")
    post_feedback(client, overridden(card))
    assert call(client, RADICULAR) == []

    cards = call(client, with_cauda_equina(RADICULAR))

    assert one_card(cards, "red-flag")["indicator"] == "critical"


def test_nothing_is_hidden_with_a_suppression_period_of_zero_days(db: str) -> None:
    with serve(db, suppression_days=0) as base_url, httpx.Client(base_url=base_url) as client:
        card = one_card(call(client, RADICULAR), "spinal-origin")
        post_feedback(client, overridden(card))

        again = one_card(call(client, RADICULAR), "spinal-origin")

    assert again["summary"] == card["summary"]


def test_accepted_physiotherapy_is_not_suggested_again(client: httpx.Client) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")
    (physio,) = physiotherapy(card)
    others = [s for s in card["suggestions"] if s is not physio]

    post_feedback(client, accepted(card, physio))

    again = one_card(call(client, RADICULAR), "spinal-origin")
    assert physiotherapy(again) == []
    assert [s["label"] for s in again["suggestions"]] == [s["label"] for s in others]


def test_an_accepted_card_without_physiotherapy_keeps_suggesting_it(client: httpx.Client) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")
    assessment = next(s for s in card["suggestions"] if not physiotherapy({"suggestions": [s]}))

    post_feedback(client, accepted(card, assessment))

    assert physiotherapy(one_card(call(client, RADICULAR), "spinal-origin")) != []
