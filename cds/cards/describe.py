"""Short phrases for cards: which joints and sides, evidence lines."""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from cds.cards.escape import plain
from cds.cards.text import CardText
from cds.engine import JointSite
from cds.facts import Fact, Measurement

UNITS = {"Cel": "°C", "{score}": "/10", "mm/h": "mm/h", "mg/L": "mg/L"}


class EvidenceLine(NamedTuple):
    """The templates unpack it in this order (`for label, reference, detail, free_text in …`):
    cheaper for Jinja than reading its attributes."""

    label: str
    reference: str
    detail: str = ""
    free_text: bool = False


def sites_phrase(text: CardText, sites: tuple[JointSite, ...], *, capital: bool = True) -> str:
    """ "Right hip and knee", "Right knee and left hip", "Bilateral knee"."""
    by_side: dict[str, list[str]] = {}
    for site in sites:
        joint = text.word("joints", site.joint)
        names = by_side.setdefault(site.side, [])
        if joint not in names:
            names.append(joint)
    parts = []
    for side, joints in by_side.items():
        side_word = text.word("sides", side)
        parts.append(f"{side_word} {_join(joints)}".strip())
    phrase = _join(parts)
    return capitalized(phrase) if capital else phrase


def capitalized(phrase: str) -> str:
    return phrase[:1].upper() + phrase[1:]


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]


def fact_line(text: CardText, fact: Fact, today: date | None = None) -> EvidenceLine:
    details = []
    if fact.side != "unknown":
        side = text.word("sides", fact.side)
        if side not in fact.label.lower():
            details.append(side)
    if fact.start:
        observed = fact.reference.startswith("Observation/")
        prefix = "on " if observed else "since " if fact.current else "from "
        details.append(prefix + fact.start.isoformat())
    if not fact.current:
        details.append(f"resolved {fact.abatement.isoformat()}" if fact.abatement else "resolved")
    if fact.negated:
        details.append("negative")
    return EvidenceLine(
        plain(fact.label), fact.reference, ", ".join(details), fact.confidence == "text"
    )


def measurement_line(text: CardText, m: Measurement) -> EvidenceLine:
    return EvidenceLine(f"{text.word('markers', m.marker)}: {measurement_value(m)}", m.reference)


def measurement_value(m: Measurement) -> str:
    if m.marker == "hla-b27":
        return {True: "positive", False: "negative", None: "result unclear"}[m.abnormal]
    unit = UNITS.get(m.unit, m.unit)
    value = "" if m.value is None else f"{m.value:g} {unit}".strip()
    if m.abnormal is True and m.marker not in ("temperature",):
        value += " (raised)"
    if m.reference_range:
        value += f", ref {m.reference_range}"
    if m.effective:
        value += f", {m.effective.isoformat()}"
    return value or "recorded"
