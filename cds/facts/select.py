"""Cheap selection on raw dicts: keep a resource only if one of its codes is in a value set.

Nothing here trusts the input: any field may have the wrong type, and is then ignored.
"""

from __future__ import annotations

from typing import Any

from cds.terminology import CodeMatch, Terminology
from cds.terminology.model import STANDARD_SYSTEMS

MAX_CODINGS = 20


def match_codeable(
    value: Any, term: Terminology, *, text_with_standard_codes: bool = False
) -> tuple[CodeMatch, ...]:
    """Concepts a raw CodeableConcept matches: by system+code, else by code.text keywords.

    Text is consulted only when no coding matched and (unless asked) no coding comes from a
    standard system: a SNOMED/ICD/LOINC code outside our value sets means "something else".
    """
    if type(value) is not dict:
        return ()
    found: dict[str, CodeMatch] = {}
    standard = False
    coding = value.get("coding")
    if type(coding) is list:
        for item in coding[:MAX_CODINGS]:
            if type(item) is not dict:
                continue
            system, code = item.get("system"), item.get("code")
            if type(system) is not str or type(code) is not str:
                continue
            if system in STANDARD_SYSTEMS:
                standard = True
            for match in term.coded_matches(system, code):
                found.setdefault(match.entry.concept.id, match)
    if found:
        return tuple(found.values())
    if standard and not text_with_standard_codes:
        return ()
    text = value.get("text")
    if type(text) is str and text:
        return _dedupe(term.match_text(text))
    return ()


def raw_reference(raw: dict[str, Any], resource_type: str, source: str, index: int) -> str:
    rid = raw.get("id")
    if isinstance(rid, str) and rid and len(rid) <= 64:
        return f"{resource_type}/{rid}"
    return f"{resource_type}/#{source}[{index}]"


def standard_coded(raw: dict[str, Any]) -> bool:
    """Does a raw resource's code carry a SNOMED / ICD / LOINC coding?"""
    code = raw.get("code")
    coding = code.get("coding") if type(code) is dict else None
    if type(coding) is not list:
        return False
    return any(
        type(c) is dict and type(s := c.get("system")) is str and s in STANDARD_SYSTEMS
        for c in coding[:MAX_CODINGS]
    )


def _dedupe(matches: tuple[CodeMatch, ...]) -> tuple[CodeMatch, ...]:
    """One match per concept and assertion ("no fever ... fever since" keeps both)."""
    seen: dict[tuple[str, str], CodeMatch] = {}
    for m in matches:
        seen.setdefault((m.concept.id, m.assertion), m)
    return tuple(seen.values())
