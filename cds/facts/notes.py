"""Free text beside the code: `Condition.note`, `Observation.note`, `Observation.valueString`.

A phrase found in text carries its assertion (clinical-logic.md §1 "Free text"): negated or
conditional is never a positive fact, historical is history, uncertain counts as present.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from fhir.resources.R4B.annotation import Annotation

from cds.facts.fhir.dates import to_date
from cds.terminology import CodeMatch, Terminology

MAX_NOTES = 20
"""Notes read per resource."""


@dataclass(frozen=True, slots=True)
class NoteMatch:
    match: CodeMatch
    label: str
    """The clause the phrase stands in."""
    time: date | None
    """When the note was written, if it says."""


def has_text(raw: dict[str, Any]) -> bool:
    """Does a raw resource carry a note or a string value (cheap, before validation)?"""
    notes = raw.get("note")
    if type(notes) is list and any(type(n) is dict and n.get("text") for n in notes):
        return True
    return type(raw.get("valueString")) is str


def note_matches(
    notes: Sequence[Annotation] | None, value: str | None, term: Terminology
) -> list[NoteMatch]:
    found: list[NoteMatch] = []
    texts: list[tuple[str, date | None]] = [
        (n.text, to_date(n.time) if n.time is not None else None)
        for n in (notes or ())[:MAX_NOTES]
        if n.text
    ]
    if value:
        texts.append((value, None))
    for text, time in texts:
        for match in term.match_text(text):
            start, end = match.clause
            found.append(NoteMatch(match, text[start:end].strip()[:120], time))
    return found


def presence_result(match: CodeMatch, clause: str, term: Terminology) -> bool | None:
    """A presence test named in text (role marker, result=presence): positive when affirmed
    with a positive word in its clause ("HLA-B27 positive"), negative when negated, else no
    result ("HLA-B27 requested")."""
    if match.confidence != "text" or match.attrs.get("result") != "presence":
        return None
    if match.assertion == "negated":
        return False
    if match.assertion == "affirmed":
        words = term.keywords.tokens(clause)
        return True if not term.keywords.positive.isdisjoint(words) else None
    return None
