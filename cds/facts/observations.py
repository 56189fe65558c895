"""Observation → a Fact (coded finding, possibly negated) or a Measurement (value)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Literal

from cds.facts.conditions import coding_display, says_progressive
from cds.facts.fhir.codeable import Codeable
from cds.facts.fhir.dates import to_date
from cds.facts.fhir.resources import ObservationRead
from cds.facts.matched import matched_fact
from cds.facts.model import Fact, Measurement
from cds.facts.notes import NoteMatch
from cds.facts.sites import Site, body_site, site_of
from cds.facts.symptom_sites import with_site_meaning
from cds.terminology import CodeMatch, Terminology
from cds.terminology.model import SNOMED

USABLE = frozenset({"final", "amended", "corrected", "preliminary"})
NEGATIVE_INTERPRETATION = frozenset({"NEG", "ND", "N", "negative", "absent"})
POSITIVE_INTERPRETATION = frozenset({"POS", "DET", "A", "AA", "H", "HH", "HU", "positive"})
NEGATIVE_VALUES = frozenset({(SNOMED, "260385009"), (SNOMED, "2667000"), (SNOMED, "373067005")})
POSITIVE_VALUES = frozenset({(SNOMED, "10828004"), (SNOMED, "52101004"), (SNOMED, "373066001")})
NEGATIVE_WORDS = frozenset({"negative", "absent", "no", "not detected", "neg", "false"})
POSITIVE_WORDS = frozenset({"positive", "present", "yes", "detected", "pos", "true"})

Polarity = Literal["positive", "negative", "unknown"]


def effective_date(model: ObservationRead) -> date | None:
    if model.effectiveDateTime is not None:
        return to_date(model.effectiveDateTime)
    if model.effectivePeriod is not None:
        return to_date(model.effectivePeriod.start or model.effectivePeriod.end)
    if model.effectiveInstant is not None:
        return to_date(model.effectiveInstant)
    return to_date(model.issued)


def polarity(model: ObservationRead) -> Polarity:
    """Positive / negative from valueBoolean, a coded or string value, or interpretation."""
    if model.valueBoolean is not None:
        return "positive" if model.valueBoolean else "negative"
    if model.valueCodeableConcept is not None:
        found = _coded_polarity(model.valueCodeableConcept)
        if found != "unknown":
            return found
    if model.valueString:
        word = model.valueString.strip().lower()
        if word in NEGATIVE_WORDS:
            return "negative"
        if word in POSITIVE_WORDS:
            return "positive"
    for cc in model.interpretation or ():
        for coding in cc.coding or ():
            if coding.code in NEGATIVE_INTERPRETATION:
                return "negative"
            if coding.code in POSITIVE_INTERPRETATION:
                return "positive"
        if cc.text and cc.text.strip().lower() in NEGATIVE_WORDS:
            return "negative"
    return "unknown"


def _coded_polarity(cc: Codeable) -> Polarity:
    for coding in cc.coding or ():
        key = (coding.system, coding.code)
        if key in NEGATIVE_VALUES:
            return "negative"
        if key in POSITIVE_VALUES:
            return "positive"
    if cc.text:
        word = cc.text.strip().lower()
        if word in NEGATIVE_WORDS:
            return "negative"
        if word in POSITIVE_WORDS:
            return "positive"
    return "unknown"


def observation_facts(
    model: ObservationRead,
    reference: str,
    matches: tuple[CodeMatch, ...],
    read: Sequence[NoteMatch],
    term: Terminology,
    effective: date | None,
) -> list[Fact]:
    """Facts of one Observation's code (valued by its result), then of its notes and string
    value (each phrase with its own assertion)."""
    sites = [model.bodySite]
    body = body_site(sites, term)
    code_text = model.code.text if model.code is not None else None
    absent = polarity(model) == "negative"
    facts = []
    for match in with_site_meaning(matches, sites, body.side, term):
        label = (code_text or coding_display(model.code, match))[:120]
        site = site_of(match, body, code_text, term)
        progressive = says_progressive(term, code_text, model.valueString)
        facts.append(_fact(reference, match, label, site, effective, absent, progressive))
    for note in read:
        site = site_of(note.match, body, note.label, term)
        when = note.time or effective
        facts.append(_fact(reference, note.match, note.label, site, when, False, False))
    return [f for f in facts if f is not None]


def _fact(
    reference: str,
    match: CodeMatch,
    label: str,
    site: Site,
    when: date | None,
    absent: bool,
    progressive: bool,
) -> Fact | None:
    return matched_fact(
        reference,
        match,
        label,
        site,
        current=True,
        negated=absent,
        progressive=progressive,
        onset=when,
        recorded=when,
    )


def measurement(
    model: ObservationRead,
    reference: str,
    match: CodeMatch,
    term: Terminology,
    effective: date | None,
) -> Measurement:
    marker = match.attrs.get("marker", match.concept.id)
    body = body_site([model.bodySite], term)
    value, unit = _quantity(model)
    ref_range = ""
    abnormal: bool | None = None
    if marker == "hla-b27":
        pol = polarity(model)
        abnormal = None if pol == "unknown" else pol == "positive"
    elif value is not None:
        raw_value = value
        value, unit = _normalise(marker, value, unit, term)
        abnormal, ref_range = _against_range(model, marker, raw_value, value, term)
    label = (model.code.text if model.code is not None and model.code.text else "") or (
        match.entry.display
    )
    return Measurement(
        reference=reference,
        marker=marker,
        label=label[:80],
        value=value,
        unit=unit,
        abnormal=abnormal,
        effective=effective,
        reference_range=ref_range,
        joint=body.joint,
        region=body.region,
        side=body.side,
    )


def _quantity(model: ObservationRead) -> tuple[float | None, str]:
    q = model.valueQuantity
    if q is None or q.value is None:
        return None, ""
    return float(q.value), str(q.unit or q.code or "")


def _normalise(marker: str, value: float, unit: str, term: Terminology) -> tuple[float, str]:
    u = unit.strip().lower()
    for conversion in term.rules.unit_conversions.get(marker, ()):
        if u in conversion.units:
            return conversion.convert(value), conversion.to
    return value, unit


def _interpretation(model: ObservationRead) -> bool | None:
    for cc in model.interpretation or ():
        for coding in cc.coding or ():
            if coding.code in {"H", "HH", "HU", "A", "AA"}:
                return True
            if coding.code in {"N", "L", "LL", "LU"}:
                return False
    return None


def _against_range(
    model: ObservationRead, marker: str, raw_value: float, value: float, term: Terminology
) -> tuple[bool | None, str]:
    """Abnormal? The Observation's own range (raw units) or interpretation, else defaults."""
    rules = term.rules
    if marker == "temperature":
        return value >= rules.fever_celsius, ""
    if marker in {"pain-score", "start-back"}:
        return None, ""
    interpreted = _interpretation(model)
    for rr in model.referenceRange or ():
        if rr.high is not None and rr.high.value is not None:
            high = float(rr.high.value)
            text = rr.text or f"≤ {high:g} {rr.high.unit or ''}".strip()
            return (interpreted if interpreted is not None else raw_value > high), text
        if rr.text:
            return interpreted, rr.text
    if interpreted is not None:
        return interpreted, ""
    default = rules.marker_upper.get(marker)
    if default is None:
        return None, ""
    upper, unit = default
    return value > upper, f"≤ {upper:g} {unit} (default)"
