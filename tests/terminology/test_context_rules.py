"""Every ConText rule in context-rules.json, each with a phrase it changes: the test of a rule
fails when the rule is removed (or stops working), and a rule without an example fails too."""

from __future__ import annotations

import dataclasses
from functools import cache

import pytest

from cds.terminology import default_terminology
from cds.terminology.context_rules import ContextRule
from cds.terminology.nlp import TextReader

Found = list[tuple[str, str]]
CES, RETENTION, FEVER, CANCER = (
    "cauda-equina-syndrome",
    "cauda-equina-symptom",
    "fever",
    "malignancy",
)
SCIATICA, BACK = "radicular-lumbar", "back-pain-lumbar"

EXAMPLES: dict[str, tuple[str, Found]] = {
    # negation, before the phrase
    "no": ("No fever", [(FEVER, "negated")]),
    "not": ("Not febrile", [(FEVER, "negated")]),
    "nil": ("Nil urinary retention", [(RETENTION, "negated")]),
    "denies": ("Denies saddle numbness", [(RETENTION, "negated")]),
    "denied": ("Denied urinary retention", [(RETENTION, "negated")]),
    "denying": ("Denying urinary retention", [(RETENTION, "negated")]),
    "without": ("Low back pain without sciatica", [(BACK, "affirmed"), (SCIATICA, "negated")]),
    "negative for": (
        "Negative for fever, saddle numbness or urinary retention",
        [(FEVER, "negated"), (RETENTION, "negated"), (RETENTION, "negated")],
    ),
    "free of": ("Free of urinary retention", [(RETENTION, "negated")]),
    "absence of": ("Absence of saddle anaesthesia", [(RETENTION, "negated")]),
    "negative": ("CES screen negative", [(CES, "negated")]),
    # negation, after the phrase
    "ruled out": ("Cauda equina syndrome ruled out", [(CES, "negated")]),
    "excluded": ("CES excluded", [(CES, "negated")]),
    "-ve": ("CES -ve", [(CES, "negated")]),
    "nad": ("Saddle anaesthesia NAD", [(RETENTION, "negated")]),
    "normal": ("Temperature normal", [("body-temperature", "negated")]),
    "absent": ("Saddle anaesthesia absent", [(RETENTION, "negated")]),
    "not present": ("Urinary retention not present", [(RETENTION, "negated")]),
    # history
    "resolved": ("Sciatica resolved", [(SCIATICA, "historical")]),
    "history of": ("History of breast cancer", [(CANCER, "historical")]),
    "hx of": ("Hx of lymphoma", [(CANCER, "historical")]),
    "h/o": ("h/o myeloma", [(CANCER, "historical")]),
    "pmh": ("PMH: breast cancer", [(CANCER, "historical")]),
    "past medical history": ("Past medical history: breast cancer", [(CANCER, "historical")]),
    "previous": ("Previous sciatica", [(SCIATICA, "historical")]),
    "previously": ("Sciatica previously", [(SCIATICA, "historical")]),
    "prior": ("Prior lymphoma", [(CANCER, "historical")]),
    "treated for": ("Treated for lymphoma", [(CANCER, "historical")]),
    "in remission": ("Lymphoma in remission", [(CANCER, "historical")]),
    "no longer": ("No longer has sciatica", [(SCIATICA, "historical")]),
    # family: only a first-degree relative's spondyloarthritis counts, as NG65's feature
    "family history": ("Family history of bowel cancer", []),
    "fh": ("FH: ankylosing spondylitis", [("ng65-family-history", "family")]),
    "fhx": ("FHx bowel cancer", []),
    "parent, sibling or child has": (
        "Father has ankylosing spondylitis",
        [("ng65-family-history", "family")],
    ),
    "other relative has": ("Uncle has ankylosing spondylitis", []),
    # conditional (hypothetical): never a positive fact
    "if": ("Attend ED if saddle numbness develops", [(RETENTION, "conditional")]),
    "should it develop": ("Saddle numbness, should it develop", [(RETENTION, "conditional")]),
    "should they develop": (
        "Saddle numbness or urinary retention, should they develop",
        [(RETENTION, "conditional"), (RETENTION, "conditional")],
    ),
    "in case of": ("In case of urinary retention attend ED", [(RETENTION, "conditional")]),
    "in the event of": ("In the event of urinary retention", [(RETENTION, "conditional")]),
    "discussed": ("CES symptoms discussed", [(CES, "conditional")]),
    "advice": ("CES advice given", [(CES, "conditional")]),
    "leaflet": ("CES leaflet given", [(CES, "conditional")]),
    "safety net": ("Safety net for cauda equina", [(CES, "conditional")]),
    "safety netted": ("Safety netted for cauda equina", [(CES, "conditional")]),
    "safety netting": ("Safety netting: urinary retention", [(RETENTION, "conditional")]),
    "screen": ("Cauda equina screen", [(CES, "conditional")]),
    "screening": ("CES screening", [(CES, "conditional")]),
    # uncertain: still counts, marked suspected
    "?": ("?CES", [(CES, "uncertain")]),
    "query": ("Query cauda equina", [(CES, "uncertain")]),
    "suspected": ("Suspected CES", [(CES, "uncertain")]),
    "suspect": ("Suspect CES", [(CES, "uncertain")]),
    "possible": ("Possible CES", [(CES, "uncertain")]),
    "possibly": ("Possibly CES", [(CES, "uncertain")]),
    "probable": ("Probable CES", [(CES, "uncertain")]),
    "likely": ("Likely cauda equina syndrome", [(CES, "uncertain")]),
    "to rule out": ("MRI to rule out CES", [(CES, "uncertain")]),
    "cannot exclude": ("Cannot exclude CES", [(CES, "uncertain")]),
    # termination: a modifier's reach ends here
    "but": ("No fever but urinary retention", [(FEVER, "negated"), (RETENTION, "affirmed")]),
    "however": (
        "No fever, however urinary retention",
        [(FEVER, "negated"), (RETENTION, "affirmed")],
    ),
    "although": (
        "No fever although urinary retention",
        [(FEVER, "negated"), (RETENTION, "affirmed")],
    ),
    "though": ("No fever though urinary retention", [(FEVER, "negated"), (RETENTION, "affirmed")]),
    "except": ("No red flags except urinary retention", [(RETENTION, "affirmed")]),
    "apart from": ("No red flags apart from urinary retention", [(RETENTION, "affirmed")]),
    "aside from": ("No red flags aside from urinary retention", [(RETENTION, "affirmed")]),
    "new": ("No fever, new urinary retention", [(FEVER, "negated"), (RETENTION, "affirmed")]),
    "now": ("No fever, now urinary retention", [(FEVER, "negated"), (RETENTION, "affirmed")]),
    "reports": (
        "Denies fever, reports urinary retention",
        [(FEVER, "negated"), (RETENTION, "affirmed")],
    ),
    "complains of": (
        "No fever, complains of urinary retention",
        [(FEVER, "negated"), (RETENTION, "affirmed")],
    ),
    "c/o": ("No fever, c/o urinary retention", [(FEVER, "negated"), (RETENTION, "affirmed")]),
    "presents with": (
        "No fever, presents with urinary retention",
        [(FEVER, "negated"), (RETENTION, "affirmed")],
    ),
    # pseudo-triggers: contain a trigger, assert nothing
    "no change": ("No change in urinary retention", [(RETENTION, "affirmed")]),
    "not only": ("Not only low back pain", [(BACK, "affirmed")]),
    "no improvement": ("No improvement in sciatica", [(SCIATICA, "affirmed")]),
    "no relief": ("No relief of sciatica with NSAIDs", [(SCIATICA, "affirmed")]),
    "history of presenting complaint": (
        "History of presenting complaint: urinary retention",
        [(RETENTION, "affirmed")],
    ),
    "history of present illness": (
        "History of present illness: urinary retention",
        [(RETENTION, "affirmed")],
    ),
    "since the previous": (
        "Since the previous evening, urinary retention",
        [(RETENTION, "affirmed")],
    ),
    "prior to": ("Prior to admission urinary retention", [(RETENTION, "affirmed")]),
    "<duration> history of": ("6 week history of sciatica", [(SCIATICA, "affirmed")]),
    "long history of": ("Long history of sciatica", [(SCIATICA, "affirmed")]),
}
CONCEPTS = {c for _, found in EXAMPLES.values() for c, _ in found} | {
    CANCER,
    "axial-spondyloarthritis",
}


@cache
def reader(without: str | None = None) -> TextReader:
    """A reader with the phrases the examples use, and every rule but `without`."""
    term = default_terminology()
    keywords = dataclasses.replace(
        term.keywords, phrases={k: v for k, v in term.keywords.phrases.items() if k in CONCEPTS}
    )
    rules: list[ContextRule] = [r for r in term.context_rules if r.literal != without]
    return TextReader(keywords, rules)


def read(text: str, without: str | None = None) -> Found:
    return [(m.concept, m.assertion) for m in reader(without).read(text)]


def test_every_rule_has_an_example() -> None:
    literals = [r.literal for r in default_terminology().context_rules]
    assert len(literals) == len(set(literals))
    assert set(literals) == set(EXAMPLES)


@pytest.mark.parametrize("literal", sorted(EXAMPLES))
def test_rule_changes_its_example(literal: str) -> None:
    text, expected = EXAMPLES[literal]
    assert read(text) == expected
    assert read(text, without=literal) != expected
