"""Red flags as clinical-logic.md §4 revised them: tiers, suspected from uncertain text, and
their cards (labels, priorities, links), on facts built directly."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from cds.cards import build_cards
from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import find
from cds.facts import Fact, Facts, PatientInfo
from cds.facts.actions import RedFlagAction
from cds.facts.fhir.dates import today_of
from cds.terminology import default_terminology
from tests.support.scenarios import assert_well_formed

TERM = default_terminology()


def fact(concept: str, onset: date, reference: str, **extra: Any) -> Fact:
    c = TERM.concepts[concept]
    return Fact(
        reference=reference,
        concept=concept,
        roles=c.roles,
        attrs=c.attrs,
        label=c.title,
        code="text",
        confidence="text",
        current=True,
        onset=onset,
        **extra,
    )


def cards_of(facts: Facts) -> list[dict[str, Any]]:
    findings = find(facts, "patient-view", FIXED_NOW, TERM)
    issued = build_cards(findings, "patient-view", TERM, lambda: "u", today_of(FIXED_NOW))
    out = [c.card for c in issued]
    for card in out:
        assert_well_formed(card)
    return out


PATIENT = PatientInfo("Patient/p", 44, "female", date(1982, 1, 1))
BACK = fact("back-pain-lumbar", date(2026, 5, 25), "Condition/back")
CES = fact("cauda-equina-symptom", date(2026, 5, 31), "Condition/ces")


def test_uncertain_text_raises_the_flag_as_suspected() -> None:
    suspected = replace(CES, assertion="uncertain")
    (card,) = cards_of(Facts("p", PATIENT, facts=(BACK, suspected)))
    assert card["indicator"] == "critical"
    assert "suspected (from notes)" in card["summary"]
    assert "suspected (from notes)" in card["detail"]


def test_negated_or_conditional_text_raises_nothing() -> None:
    for assertion in ("negated", "conditional"):
        quiet = replace(CES, assertion=assertion)
        assert cards_of(Facts("p", PATIENT, facts=(BACK, quiet))) == []


def test_affirmed_flag_is_not_called_suspected() -> None:
    (card,) = cards_of(Facts("p", PATIENT, facts=(BACK, CES)))
    assert "suspected" not in card["summary"]
    (offer,) = card["suggestions"]
    assert offer["label"] == "Same-day emergency referral"
    assert offer["actions"][0]["resource"]["priority"] == "stat"
    assert [link["url"] for link in card["links"]] == [
        TERM_LINK_GIRFT,
    ]


TERM_LINK_GIRFT = (
    "https://gettingitrightfirsttime.co.uk/"
    "pathway-supports-clinicians-to-diagnose-and-treat-cauda-equina-syndrome-without-delay/"
)


def test_an_urgent_referral_for_the_flag_actions_it() -> None:
    referral = RedFlagAction(
        "ServiceRequest/sr", "other", True, date(2026, 5, 31), frozenset({"Condition/ces"})
    )
    facts = Facts("p", PATIENT, facts=(BACK, CES), actions=(referral,))
    (card,) = cards_of(facts)
    assert card["indicator"] == "info"
    assert card["summary"].startswith("Red flag (actioned 2026-05-31)")
    assert "suggestions" not in card


def test_a_routine_request_or_one_before_the_flag_does_not() -> None:
    routine = RedFlagAction(
        "ServiceRequest/a", "other", False, date(2026, 5, 31), frozenset({"Condition/ces"})
    )
    earlier = RedFlagAction(
        "ServiceRequest/b", "spinal-imaging", True, date(2026, 5, 1), frozenset()
    )
    facts = Facts("p", PATIENT, facts=(BACK, CES), actions=(routine, earlier))
    (card,) = cards_of(facts)
    assert card["indicator"] == "critical"
