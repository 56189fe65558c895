"""Feedback that came before its card is linked when the card is recorded; which patients have
feedback, all of them or those linked since a time."""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from cds.protocol import FeedbackReceipt
from cds.store import SavedFeedback, Store
from tests.support.tables import rows

from .builders import CALLER, NOW, OTHER_PATIENT, PATIENT, accepted, issued, overridden, record

SERVICE = "spinal-origin-patient-view"
WEEK = timedelta(days=7)
LATER = NOW + timedelta(hours=1)


def test_feedback_before_its_card_is_linked_when_the_card_is_recorded(
    store: Store, url: str
) -> None:
    first, again = issued(), issued()
    receipt = store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)
    assert receipt == SavedFeedback(FeedbackReceipt(stored=1, duplicates=0, unknownCards=1))
    assert not store.suppression(
        patient=(CALLER, PATIENT), cards=[again], now=LATER, period=WEEK
    ).hidden

    assert record(store, first, at=LATER) == {(CALLER, PATIENT)}

    found = store.suppression(patient=(CALLER, PATIENT), cards=[again], now=LATER, period=WEEK)
    assert found.hidden == {again.uuid}
    (row,) = rows(url, "feedback")
    assert (row["known_card"], row["patient_hash"], row["linked_at"]) == (True, PATIENT, LATER)
    assert row["received_at"] == NOW


def test_recording_links_only_what_is_unlinked(store: Store) -> None:
    card = issued()
    record(store, card)
    store.save_feedback(CALLER, SERVICE, [accepted(card)], NOW)

    assert record(store, card, at=LATER) == set(), "linked when it was stored"


def test_link_finds_the_cards_recorded_since_their_feedback(store: Store, url: str) -> None:
    card = issued()
    store.save_feedback(CALLER, SERVICE, [overridden(card), overridden("never-issued")], NOW)
    record(store, card)
    with Store.open(url) as other:
        assert other.link([card.uuid, "never-issued"], CALLER, LATER) == {
            card.uuid: (CALLER, PATIENT)
        }

    assert sorted(row["known_card"] for row in rows(url, "feedback")) == [False, True]


def test_patients_with_feedback_are_those_linked_since(store: Store) -> None:
    early, late = issued(), issued()
    record(store, early)
    store.save_feedback(CALLER, SERVICE, [overridden(early)], NOW)
    store.save_feedback(CALLER, SERVICE, [overridden(late)], NOW)
    assert store.patients_with_feedback(linked_since=None) == {(CALLER, PATIENT)}

    record(store, late, patient=OTHER_PATIENT, at=LATER)

    assert store.patients_with_feedback(linked_since=None) == {
        (CALLER, PATIENT),
        (CALLER, OTHER_PATIENT),
    }
    assert store.patients_with_feedback(linked_since=LATER) == {(CALLER, OTHER_PATIENT)}, (
        "received at NOW, linked later"
    )
    assert store.patients_with_feedback(linked_since=LATER + timedelta(seconds=1)) == set()


def test_feedback_and_its_card_written_at_once_are_always_linked(store: Store, url: str) -> None:
    """Recording a card and storing its feedback in overlapping transactions: whichever commits
    second sees the other."""
    cards = [issued() for _ in range(60)]
    with ThreadPoolExecutor(2) as pool, Store.open(url) as other:
        for card in cards:
            feedback = pool.submit(other.save_feedback, CALLER, SERVICE, [overridden(card)], NOW)
            recorded = pool.submit(record, store, card)
            feedback.result(), recorded.result()

    assert all(row["known_card"] for row in rows(url, "feedback"))
