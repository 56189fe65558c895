"""Scenario fixtures (fixtures/*.json): loading, PatientRecord building, outcome checks.

`assert_outcome` looks only at card JSON, so the same check runs on cards from `evaluate()`,
from the HTTP service and from the CLI.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cds.data.documents import record_from_document
from cds.facts.record import PatientRecord
from cds.types import TOPIC_SYSTEM

FIXTURES_DIR = Path(__file__).resolve().parents[2] / "fixtures"
FIXED_NOW = datetime(2026, 6, 1, 9, 0, 0, tzinfo=UTC)
"""Every scenario is evaluated at this instant; fixture dates are relative to it."""

SUGGESTION_SYSTEM = "https://spinal-origin-cds.example.org/CodeSystem/suggestion"
INDICATORS = frozenset({"info", "warning", "critical"})
TOPICS = frozenset(
    {
        "spinal-origin",
        "red-flag",
        "inflammatory-pattern",
        "order-spinal-origin",
        "imaging-appropriateness",
    }
)


@dataclass(frozen=True)
class Scenario:
    name: str
    path: Path
    title: str
    description: str
    request: dict[str, Any]
    expect: dict[str, Any]

    @property
    def hook(self) -> str:
        return str(self.request["hook"])


def load_scenarios(directory: Path = FIXTURES_DIR) -> list[Scenario]:
    scenarios = []
    for path in sorted(directory.glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        scenarios.append(
            Scenario(
                path.stem, path, data["title"], data["description"], data["request"], data["expect"]
            )
        )
    return scenarios


def record_from_request(request: dict[str, Any]) -> PatientRecord:
    """The PatientRecord the service builds from a CDS Hooks request with prefetch."""
    return record_from_document(request)[1]


def suggestion_codes(suggestion: dict[str, Any]) -> set[str]:
    """Every coding code (SNOMED codes and suggestion kinds) of a suggestion's resources."""
    codes: set[str] = set()
    for action in suggestion.get("actions", []):
        resource = action.get("resource") or {}
        for coding in (resource.get("code") or {}).get("coding", []):
            codes.add(str(coding.get("code")))
    return codes


def assert_well_formed(card: dict[str, Any]) -> None:
    where = f"card {card.get('summary')!r}"
    assert isinstance(card.get("uuid"), str) and card["uuid"], f"{where}: uuid missing"
    summary = card.get("summary")
    assert isinstance(summary, str) and 0 < len(summary) <= 140, f"{where}: summary length"
    assert card.get("indicator") in INDICATORS, f"{where}: indicator"
    assert isinstance(card.get("detail"), str) and card["detail"].strip(), f"{where}: detail"
    source = card.get("source", {})
    assert source.get("label"), f"{where}: source.label"
    topic = source.get("topic", {})
    assert topic.get("system") == TOPIC_SYSTEM, f"{where}: source.topic.system"
    assert topic.get("code") in TOPICS, f"{where}: source.topic.code"
    suggestions = card.get("suggestions", [])
    for s in suggestions:
        assert isinstance(s.get("uuid"), str) and s["uuid"], f"{where}: suggestion uuid"
        assert s.get("label"), f"{where}: suggestion label"
        for action in s.get("actions", []):
            if action.get("type") == "delete":
                assert action.get("description"), f"{where}: delete without description"
                assert action.get("resourceId", "").startswith("ServiceRequest/"), where
                continue
            assert action.get("type") == "create", f"{where}: only create or delete actions"
            resource = action.get("resource", {})
            assert resource.get("resourceType") == "ServiceRequest", where
            assert resource.get("status") == "draft", f"{where}: suggestion not draft"
            assert resource.get("intent") == "proposal", f"{where}: suggestion intent"
            assert resource.get("subject", {}).get("reference", "").startswith("Patient/"), where
    if suggestions:
        deletes = any(a.get("type") == "delete" for s in suggestions for a in s.get("actions", []))
        behaviour = "at-most-one" if deletes else "any"
        assert card.get("selectionBehavior") == behaviour, f"{where}: selectionBehavior"
    for link in card.get("links", []):
        assert link.get("type") == "absolute" and link.get("url", "").startswith("http"), where
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
