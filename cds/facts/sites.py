"""Joint, spine region and side from codes, bodySite and text."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from cds.facts.fhir.codeable import Codeable
from cds.facts.model import Side
from cds.terminology import CodeMatch, Terminology

_SIDES: dict[str, Side] = {"left": "left", "right": "right", "bilateral": "bilateral"}


class Site(NamedTuple):
    """A NamedTuple: built for every fact, in a third of a frozen dataclass's time."""

    joint: str | None = None
    region: str | None = None
    side: Side = "unknown"


def as_side(value: str | None) -> Side:
    return _SIDES.get(value or "", "unknown")


NOWHERE = Site()


def body_site(concepts: Sequence[Codeable | None], term: Terminology) -> Site:
    if not concepts:
        return NOWHERE
    joint: str | None = None
    region: str | None = None
    sides: set[str] = set()
    maps = term.maps
    for cc in concepts:
        if cc is None:
            continue
        for coding in cc.coding or ():
            key = (coding.system or "", coding.code or "")
            joint = joint or maps.body_site_joint.get(key)
            region = region or maps.body_site_region.get(key)
            if key in maps.laterality:
                sides.add(maps.laterality[key])
        if cc.text:
            joint = joint or term.keywords.joint_of(cc.text)
            region = region or term.keywords.region_of(cc.text)
            text_side = term.keywords.side_of(cc.text)
            if text_side:
                sides.add(text_side)
    return Site(joint, region, _combine(sides))


def site_of(match: CodeMatch, body: Site, code_text: str | None, term: Terminology) -> Site:
    """The code's own attributes win, then bodySite, then the words of code.text."""
    attrs = match.attrs
    joint = attrs.get("joint") or body.joint
    region = attrs.get("region")
    if region in (None, "unspecified"):
        region = body.region or region
    side = as_side(attrs.get("side"))
    if side == "unknown":
        side = as_side(match.side) if match.side else body.side
    if code_text:
        if joint is None:
            joint = term.keywords.joint_of(code_text)
        if region in (None, "unspecified") and "back-complaint" in match.concept.roles:
            region = term.keywords.region_of(code_text) or region
        if side == "unknown":
            side = as_side(term.keywords.side_of(code_text))
    return Site(joint, region, side)


def combine_sides(sides: Sequence[Side]) -> Side:
    return _combine({s for s in sides if s != "unknown"})


def _combine(sides: set[str]) -> Side:
    if "bilateral" in sides or {"left", "right"} <= sides:
        return "bilateral"
    if len(sides) == 1:
        return as_side(next(iter(sides)))
    return "unknown"
