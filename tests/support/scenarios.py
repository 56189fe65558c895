"""Scenario fixtures (fixtures/*.json): loading, PatientRecord building, outcome checks.

`assert_outcome` looks only at card JSON, so the same check runs on cards from `evaluate()`,
from the HTTP service and from the CLI.
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

from cds.data.documents import record_from_document
from cds.data.scenarios import load_scenarios
from cds.facts.record import PatientRecord
from cds.protocol import Card
from cds.types import TOPIC_SYSTEM


def record_from_request(request: dict[str, Any]) -> PatientRecord:
    """The PatientRecord the service builds from a CDS Hooks request with prefetch."""
    return record_from_document(request)[1]


def scenario_resources() -> list[dict[str, Any]]:
    """Every Condition, Observation and ServiceRequest in the scenarios' requests, at any depth."""
    return [r for s in load_scenarios() for r in _resources(s.request)]


def _resources(value: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(value, dict):
        if value.get("resourceType") in ("Condition", "Observation", "ServiceRequest"):
            found.append(value)
        for item in value.values():
            found += _resources(item)
    elif isinstance(value, list):
        for item in value:
            found += _resources(item)
    return found


def suggestion_codes(suggestion: dict[str, Any]) -> set[str]:
    """Every coding code (SNOMED codes and suggestion kinds) of a suggestion's resources."""
    codes: set[str] = set()
    for action in suggestion.get("actions", []):
        resource = action.get("resource") or {}
        for coding in (resource.get("code") or {}).get("coding", []):
            codes.add(str(coding.get("code")))
    return codes


def assert_well_formed(card: dict[str, Any]) -> None:
    """The card keeps the wire model the service states (`cds.protocol.Card`, which
    `/openapi.json` serves) and what this service promises on top of it."""
    where = f"card {card.get('summary')!r}"
    try:
        Card.model_validate(card)
    except ValidationError as exc:
        raise AssertionError(f"{where}: {exc}") from None
    assert card["source"]["topic"]["system"] == TOPIC_SYSTEM, f"{where}: source.topic.system"
    for s in card.get("suggestions", []):
        for action in s.get("actions", []):
            if action["type"] == "delete":
                assert action.get("description"), f"{where}: delete without description"
                assert action.get("resourceId", "").startswith("ServiceRequest/"), where
                continue
            assert action["type"] == "create", f"{where}: only create or delete actions"
            resource = action.get("resource", {})
            assert resource.get("resourceType") == "ServiceRequest", where
            assert resource.get("status") == "draft", f"{where}: suggestion not draft"
            assert resource.get("intent") == "proposal", f"{where}: suggestion intent"
            assert resource.get("subject", {}).get("reference", "").startswith("Patient/"), where
    suggestions = card.get("suggestions", [])
    if suggestions:
        deletes = any(a["type"] == "delete" for s in suggestions for a in s.get("actions", []))
        behaviour = "at-most-one" if deletes else "any"
        assert card["selectionBehavior"] == behaviour, f"{where}: selectionBehavior"
    for link in card.get("links", []):
        assert link["type"] == "absolute" and link["url"].startswith("http"), where
    _assert_no_empty(card, where)


def _assert_no_empty(value: Any, where: str, path: str = "$") -> None:
    assert value is not None, f"{where}: null at {path}"
    if isinstance(value, str):
        assert value != "", f"{where}: empty string at {path}"
    elif isinstance(value, list):
        assert value, f"{where}: empty array at {path}"
        for i, item in enumerate(value):
            _assert_no_empty(item, where, f"{path}[{i}]")
    elif isinstance(value, dict):
        assert value, f"{where}: empty object at {path}"
        for key, item in value.items():
            _assert_no_empty(item, where, f"{path}.{key}")


def _matches(card: dict[str, Any], expected: dict[str, Any]) -> bool:
    if card["source"]["topic"]["code"] != expected["topic"]:
        return False
    if card["indicator"] != expected["indicator"]:
        return False
    summary = card["summary"].lower()
    return all(s.lower() in summary for s in expected.get("summary_contains", []))


def assert_outcome(cards_json: list[dict[str, Any]], expect: dict[str, Any]) -> None:
    """Cards (CDS Hooks JSON) meet a scenario's `expect`; every card is well formed."""
    for card in cards_json:
        assert_well_formed(card)
    assert len(cards_json) <= 3, "never more than three cards"
    expected_cards = expect["cards"]
    got = [f"{c['source']['topic']['code']}/{c['indicator']}: {c['summary']}" for c in cards_json]
    assert len(cards_json) == len(expected_cards), f"expected {len(expected_cards)} cards: {got}"
    unused = list(cards_json)
    for expected in expected_cards:
        match = next((c for c in unused if _matches(c, expected)), None)
        assert match is not None, f"no card matches {expected}; got {got}"
        unused.remove(match)
        offered = [suggestion_codes(s) for s in match.get("suggestions", [])]
        for token in expected.get("suggestions_present", []):
            assert any(token in codes for codes in offered), f"{token} not suggested: {got}"
        for token in expected.get("suggestions_absent", []):
            assert not any(token in codes for codes in offered), f"{token} suggested: {got}"
        links = [f"{link['label']} {link['url']}".lower() for link in match.get("links", [])]
        for label in expected.get("links_present", []):
            assert any(label.lower() in link for link in links), f"no link {label}: {links}"
        for label in expected.get("links_absent", []):
            assert not any(label.lower() in link for link in links), f"link {label}: {links}"
        _assert_fitted(match, expected, got)


def _assert_fitted(card: dict[str, Any], expected: dict[str, Any], got: list[str]) -> None:
    """The optional checks of what a card says and offers (fixtures/README.md, Schema)."""
    detail = card["detail"].lower()
    for text in expected.get("detail_contains", []):
        assert text.lower() in detail, f"{text!r} not in the detail of {got}:\n{card['detail']}"
    for text in expected.get("detail_absent", []):
        assert text.lower() not in detail, f"{text!r} in the detail of {got}:\n{card['detail']}"
    suggestions = card.get("suggestions", [])
    for token, recommended in expected.get("suggestions_recommended", {}).items():
        found = [s for s in suggestions if token in suggestion_codes(s)]
        assert found, f"{token} not suggested: {got}"
        assert all(s["isRecommended"] is recommended for s in found), f"{token}: {found}"
    for token, priority in expected.get("suggestions_priority", {}).items():
        resources = [
            a["resource"]
            for s in suggestions
            if token in suggestion_codes(s)
            for a in s["actions"]
            if "resource" in a
        ]
        assert resources and all(r["priority"] == priority for r in resources), f"{token}"
