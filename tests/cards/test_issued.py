"""The card a builder issues is typed: its suggestions' kinds are read, never its JSON."""

from cds.cards.issued import IssuedCard
from cds.data.scenarios import FIXTURES_NOW, load_scenarios
from cds.evaluation import evaluate
from cds.protocol import Card
from tests.support.scenarios import record_from_request


def _inflammatory_card() -> IssuedCard:
    scenario = next(s for s in load_scenarios() if s.slug == "inflammatory-ng65-criteria-met")
    cards = evaluate(record_from_request(scenario.request), "patient-view", FIXTURES_NOW).cards
    return next(c for c in cards if c.topic == "inflammatory-pattern")


def test_the_card_carries_its_uuid_topic_indicator_and_suggestion_kinds() -> None:
    card = _inflammatory_card()
    sent = card.card

    assert (card.uuid, card.topic, card.indicator) == (
        sent["uuid"],
        sent["source"]["topic"]["code"],
        sent["indicator"],
    )
    assert [s.kind for s in card.suggestions] == ["rheumatology", "physiotherapy"]
    assert [s.uuid for s in card.suggestions] == [s["uuid"] for s in sent["suggestions"]]
    assert card.suggestions[0].coding.code == "306290009"  # rheumatology referral, SNOMED CT


def test_leaving_out_a_kind_leaves_out_its_suggestion_and_keeps_the_rest() -> None:
    card = _inflammatory_card()

    without = card.without("physiotherapy")

    assert [s.kind for s in without.suggestions] == ["rheumatology"]
    assert [s["label"] for s in without.card["suggestions"]] == [
        card.card["suggestions"][0]["label"]
    ]
    assert without.card["selectionBehavior"] == "any"
    bare = without.without("rheumatology").card
    assert "suggestions" not in bare and "selectionBehavior" not in bare
    Card.model_validate(bare)


def test_the_json_sent_is_the_wire_model_dumped() -> None:
    card = _inflammatory_card()

    assert Card.model_validate(card.card) == card.wire
