"""Every scenario in fixtures/ through evaluate() at the fixed clock."""

from __future__ import annotations

import itertools
import re

import pytest
from fhir.resources.R4B.servicerequest import ServiceRequest

from cds.data.scenarios import FIXTURES_NOW, Scenario, load_scenarios
from cds.evaluation import evaluate
from tests.support.scenarios import assert_outcome, record_from_request

SCENARIOS = load_scenarios()
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def test_at_least_forty_scenarios_with_readable_descriptions() -> None:
    assert len(SCENARIOS) >= 40
    for s in SCENARIOS:
        assert len(s.description.split()) >= 12, s.slug
        assert UUID.match(s.request["hookInstance"]), s.slug
        assert s.request["context"]["userId"].startswith("Practitioner/"), s.slug
        assert "fhirServer" not in s.request, s.slug
        patient = s.request["prefetch"]["patient"]
        assert patient["name"] and patient["birthDate"] and patient["gender"], s.slug


def test_scenarios_cover_every_hook_topic_and_no_card() -> None:
    hooks = {s.hook for s in SCENARIOS}
    topics = {c["topic"] for s in SCENARIOS for c in s.expect["cards"]}
    assert hooks == {"patient-view", "order-select", "order-sign"}
    assert topics == {
        "spinal-origin",
        "red-flag",
        "inflammatory-pattern",
        "order-spinal-origin",
        "imaging-appropriateness",
    }
    assert sum(1 for s in SCENARIOS if not s.expect["cards"]) >= 8


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.slug for s in SCENARIOS])
def test_scenario(scenario: Scenario) -> None:
    counter = itertools.count()
    evaluation = evaluate(
        record_from_request(scenario.request),
        scenario.hook,  # type: ignore[arg-type]
        FIXTURES_NOW,
        new_uuid=lambda: f"00000000-0000-4000-8000-{next(counter):012d}",
    )
    cards = [issued.card for issued in evaluation.cards]
    assert_outcome(cards, scenario.expect)
    assert evaluation.skipped == []
    for issued in evaluation.cards:
        assert issued.topic == issued.card["source"]["topic"]["code"]
        assert len(issued.fingerprint) == 32
        drafts = {
            f"ServiceRequest/{entry['resource']['id']}"
            for entry in scenario.request["context"].get("draftOrders", {}).get("entry", [])
        }
        for suggestion in issued.card.get("suggestions", []):
            for action in suggestion["actions"]:
                if action["type"] == "delete":
                    assert action["resourceId"] in drafts
                    continue
                resource = ServiceRequest.model_validate(action["resource"])
                assert resource.subject is not None
                assert (
                    resource.subject.reference
                    == f"Patient/{scenario.request['context']['patientId']}"
                )


def test_assert_outcome_can_fail() -> None:
    scenario = next(s for s in SCENARIOS if s.slug == "radicular-right-knee")
    cards = [
        c.card
        for c in evaluate(record_from_request(scenario.request), "patient-view", FIXTURES_NOW).cards
    ]
    with pytest.raises(AssertionError):
        assert_outcome(cards, {"cards": []})
    with pytest.raises(AssertionError):
        assert_outcome(cards, {"cards": [{"topic": "spinal-origin", "indicator": "info"}]})
    wrong = {
        "cards": [
            {"topic": "spinal-origin", "indicator": "warning", "suggestions_absent": ["308447003"]}
        ]
    }
    with pytest.raises(AssertionError):
        assert_outcome(cards, wrong)
    broken = [dict(cards[0], summary="x" * 141)]
    with pytest.raises(AssertionError):
        assert_outcome(broken, {"cards": [{"topic": "spinal-origin", "indicator": "warning"}]})
    with pytest.raises(AssertionError):
        assert_outcome(
            [dict(cards[0], links=[])],
            {"cards": [{"topic": "spinal-origin", "indicator": "warning"}]},
        )


def test_links_and_replacement_suggestions_are_checked() -> None:
    scenario = next(s for s in SCENARIOS if s.slug.startswith("imaging-order-select-lumbar-mri"))
    cards = [
        c.card
        for c in evaluate(record_from_request(scenario.request), "order-select", FIXTURES_NOW).cards
    ]
    card = {"topic": "imaging-appropriateness", "indicator": "warning"}
    assert_outcome(cards, {"cards": [dict(card, links_present=["CMS166"])]})
    with pytest.raises(AssertionError):
        assert_outcome(cards, {"cards": [dict(card, links_absent=["CMS166"])]})
    with pytest.raises(AssertionError):
        assert_outcome([dict(cards[0], selectionBehavior="any")], {"cards": [card]})
    unsaid = [
        dict(s, actions=[{"type": "delete", "resourceId": "ServiceRequest/x"}])
        for s in cards[0]["suggestions"]
    ]
    with pytest.raises(AssertionError):
        assert_outcome([dict(cards[0], suggestions=unsaid)], {"cards": [card]})
