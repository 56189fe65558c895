from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta, timezone

import pytest

from cds.exceptions import StoreUnavailable
from cds.protocol import FeedbackReceipt
from cds.store import FeedbackEntry, SavedFeedback, Store
from cds.store.schema import FEEDBACK_LIMITS
from tests.support.tables import count as rows

from .builders import NOW, PATIENT, accepted, issued, overridden, record

SERVICE = "spinal-origin-patient-view"


def test_feedback_on_an_issued_card_is_stored(store: Store, url: str) -> None:
    card = issued()
    record(store, card)

    receipt = store.save_feedback(SERVICE, [overridden(card)], NOW)

    assert receipt == SavedFeedback(
        FeedbackReceipt(stored=1, duplicates=0, unknownCards=0), frozenset({PATIENT})
    )
    assert rows(url, "feedback") == 1


def test_the_same_entry_posted_twice_is_stored_once(store: Store, url: str) -> None:
    card = issued()
    record(store, card)
    entry = overridden(card)
    same_instant = replace(entry, outcome_timestamp=NOW.astimezone(timezone(timedelta(hours=2))))

    first = store.save_feedback(SERVICE, [entry, entry], NOW)
    second = store.save_feedback(SERVICE, [same_instant], NOW + timedelta(seconds=1))

    assert first == SavedFeedback(
        FeedbackReceipt(stored=1, duplicates=1, unknownCards=0), frozenset({PATIENT})
    )
    assert second == SavedFeedback(
        FeedbackReceipt(stored=0, duplicates=1, unknownCards=0), frozenset({PATIENT})
    )
    assert rows(url, "feedback") == 1


def test_the_same_entry_for_another_service_is_not_a_duplicate(store: Store, url: str) -> None:
    entry = overridden("card-1")

    store.save_feedback(SERVICE, [entry], NOW)
    store.save_feedback("spinal-origin-order-sign", [entry], NOW)

    assert rows(url, "feedback") == 2


def test_feedback_for_an_unknown_card_is_stored_and_counted(store: Store, url: str) -> None:
    card = issued()
    record(store, card)

    receipt = store.save_feedback(SERVICE, [accepted(card), overridden("never-issued")], NOW)

    assert receipt == SavedFeedback(
        FeedbackReceipt(stored=2, duplicates=0, unknownCards=1), frozenset({PATIENT})
    )
    assert store.report(since=None).unknown_card_feedback == 1


@pytest.mark.parametrize(
    "spoil",
    [
        pytest.param(lambda e: replace(e, outcome="ignored"), id="unknown-outcome"),
        pytest.param(
            lambda e: replace(e, user_comment="x" * (FEEDBACK_LIMITS["user_comment"] + 1)),
            id="comment-too-long",
        ),
        pytest.param(
            lambda e: replace(e, card_uuid="u" * (FEEDBACK_LIMITS["card_uuid"] + 1)),
            id="card-uuid-too-long",
        ),
    ],
)
def test_a_batch_is_stored_all_or_nothing(
    store: Store, url: str, spoil: Callable[[FeedbackEntry], FeedbackEntry]
) -> None:
    card = issued()
    record(store, card)
    good, bad = overridden(card), spoil(accepted(card))

    with pytest.raises(StoreUnavailable):
        store.save_feedback(SERVICE, [good, bad], NOW)

    assert rows(url, "feedback") == 0
    assert store.save_feedback(SERVICE, [good], NOW).receipt.stored == 1


def test_two_stores_on_one_database_see_each_others_feedback(store: Store, url: str) -> None:
    card = issued()
    with Store.open(url) as other:
        record(other, card)
        other.save_feedback(SERVICE, [overridden(card)], NOW)

        found = store.suppression(
            patient_hash=PATIENT, cards=[card], now=NOW, period=timedelta(days=1)
        )
        assert found.hidden == {card.uuid}
        assert store.save_feedback(SERVICE, [overridden(card)], NOW).receipt.duplicates == 1


def test_an_empty_batch_stores_nothing(store: Store) -> None:
    assert store.save_feedback(SERVICE, [], NOW) == SavedFeedback(
        FeedbackReceipt(stored=0, duplicates=0, unknownCards=0)
    )


def test_naive_datetimes_are_refused(store: Store) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.save_feedback(SERVICE, [overridden("card-1")], NOW.replace(tzinfo=None))
