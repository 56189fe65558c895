from datetime import datetime, timedelta

from cds.cards.issued import IssuedCard
from cds.store import Store

from .builders import (
    CALLER,
    NOW,
    OTHER_CALLER,
    OTHER_PATIENT,
    PATIENT,
    PHYSIO,
    SPINAL_ASSESSMENT,
    accepted,
    issued,
    overridden,
    record,
)

SERVICE = "spinal-origin-patient-view"
WEEK = timedelta(days=7)


def hidden(
    store: Store, *cards: IssuedCard, now: datetime = NOW, patient: str = PATIENT
) -> set[str]:
    found = store.suppression(patient=(CALLER, patient), cards=cards, now=now, period=WEEK)
    return set(found.hidden)


def accepted_physio(store: Store, patient: str = PATIENT) -> bool:
    found = store.suppression(patient=(CALLER, patient), cards=[], now=NOW, period=WEEK)
    return found.physiotherapy_accepted


def test_an_overridden_card_is_hidden_within_the_period(store: Store) -> None:
    first = issued()
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)
    again = issued()

    assert hidden(store, again, now=NOW + WEEK - timedelta(minutes=1)) == {again.uuid}


def test_an_overridden_card_shows_again_after_the_period(store: Store) -> None:
    first = issued()
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)

    assert hidden(store, issued(), now=NOW + WEEK + timedelta(minutes=1)) == set()


def test_an_override_dated_ahead_counts_from_when_it_came(store: Store) -> None:
    first = issued()
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first, at=NOW + timedelta(minutes=4))], NOW)

    assert hidden(store, issued(), now=NOW + WEEK + timedelta(minutes=1)) == set()


def test_an_override_counts_for_its_own_caller_only(store: Store) -> None:
    first = issued()
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)
    found = store.suppression(
        patient=(OTHER_CALLER, PATIENT), cards=[issued()], now=NOW, period=WEEK
    )

    assert found.hidden == frozenset()


def test_new_evidence_shows_the_card_again(store: Store) -> None:
    first = issued(fingerprint="evidence-1")
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)

    assert hidden(store, issued(fingerprint="evidence-2"), now=NOW + timedelta(days=1)) == set()


def test_only_the_same_card_for_the_same_patient_is_hidden(store: Store) -> None:
    first = issued(joints=("knee", "hip"), side="left")
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)
    same = issued(joints=("hip", "knee"), side="left")
    others = [
        issued(joints=("knee",), side="left"),
        issued(joints=("knee", "hip"), side="right"),
        issued("inflammatory-pattern", joints=("knee", "hip"), side="left"),
    ]

    assert hidden(store, same, *others) == {same.uuid}
    assert hidden(store, same, patient=OTHER_PATIENT) == set()


def test_a_red_flag_card_is_never_hidden(store: Store) -> None:
    first = issued("red-flag")
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [overridden(first)], NOW)

    assert hidden(store, issued("red-flag"), now=NOW + timedelta(hours=1)) == set()


def test_an_accepted_card_is_not_hidden(store: Store) -> None:
    first = issued()
    record(store, first)
    store.save_feedback(CALLER, SERVICE, [accepted(first)], NOW)

    assert hidden(store, issued(), now=NOW + timedelta(hours=1)) == set()


def test_an_accepted_physiotherapy_referral_is_remembered(store: Store) -> None:
    card = issued(suggests=(PHYSIO, SPINAL_ASSESSMENT))
    record(store, card)
    physio = card.suggestions[0].uuid
    assert not accepted_physio(store)

    store.save_feedback(CALLER, SERVICE, [accepted(card, physio)], NOW)

    assert accepted_physio(store)
    assert not accepted_physio(store, OTHER_PATIENT)


def test_accepting_another_suggestion_is_not_accepting_physiotherapy(store: Store) -> None:
    card = issued(suggests=(PHYSIO, SPINAL_ASSESSMENT))
    record(store, card)
    assessment = card.suggestions[1].uuid

    store.save_feedback(CALLER, SERVICE, [accepted(card, assessment), overridden(card)], NOW)

    assert not accepted_physio(store)


def test_recording_the_same_cards_twice_changes_nothing(store: Store) -> None:
    card = issued(suggests=(PHYSIO,))
    record(store, card)
    record(store, card)
    store.save_feedback(CALLER, SERVICE, [accepted(card, card.suggestions[0].uuid)], NOW)

    assert accepted_physio(store)
    assert store.report(since=None).topics[0].issued == 1
