"""Lumbar spine imaging for low back pain or sciatica (clinical-logic.md §6; NICE NG59 1.1.4-1.1.6;
CMS166). Called on the order hooks only when no red flag was found: a red flag takes its place."""

from __future__ import annotations

from datetime import date

from cds.engine.context import Context
from cds.engine.model import ImagingFinding
from cds.facts import Fact
from cds.terminology.imaging_rules import Cms166Population, Exclusion

LOW_BACK_REGIONS = frozenset({"lumbar", "sacral", "unspecified", None})
"""Regions of low back pain and sciatica; a back complaint with no region stated counts."""


def find_imaging(ctx: Context) -> ImagingFinding | None:
    orders = ctx.facts.imaging_orders
    rules = ctx.term.rules.imaging
    patient = ctx.facts.patient
    if not orders or patient is None or patient.age is None or patient.age < rules.min_age:
        return None
    back = tuple(f for f in ctx.back if f.current and f.region in LOW_BACK_REGIONS)
    if not back and not _low_back_reason(ctx):
        return None
    if any(_applies(ctx, exclusion) for exclusion in rules.exclusions):
        return None
    radicular = tuple(
        f
        for f in ctx.role("radiating")
        if f.region in LOW_BACK_REGIONS and ctx.limb(f.joint) != "upper"
    )
    ages = [d for f in radicular if (d := ctx.days_since(f.start)) is not None]
    radicular_days = max(ages, default=None)
    long_standing = radicular_days is not None and radicular_days >= rules.radicular_info_days
    return ImagingFinding(
        orders=orders,
        level="info" if long_standing else "warning",
        back=back,
        radicular=radicular,
        radicular_days=radicular_days,
        cms166=_in_cms166(ctx, patient.age, rules.cms166),
    )


def _low_back_reason(ctx: Context) -> bool:
    """An order's reasonCode names low back pain or sciatica."""
    for order in ctx.facts.imaging_orders:
        for concept_id in order.reasons:
            concept = ctx.term.concepts.get(concept_id)
            if concept is None or "back-complaint" not in concept.roles:
                continue
            if concept.attrs.get("region") in LOW_BACK_REGIONS:
                return True
    return False


def _applies(ctx: Context, exclusion: Exclusion) -> bool:
    return any(
        _counts(f, exclusion.within_days, ctx.today)
        for f in ctx.facts.facts
        if f.concept in exclusion.concepts and not f.negated and ctx.limb(f.joint) != "upper"
    )


def _counts(f: Fact, within_days: int | None, today: date) -> bool:
    """Current, or ended (with no end: started) within the window; any time with no window."""
    if within_days is None or f.current:
        return True
    end = f.abatement or f.start
    return end is not None and (today - end).days <= within_days


def _in_cms166(ctx: Context, age: int, population: Cms166Population) -> bool:
    """Age in range, a first low back pain diagnosis at most `within_days` old, and no other in
    the `no_prior_days` before it. An undated diagnosis may be older: then it does not apply."""
    if not population.min_age <= age <= population.max_age:
        return False
    diagnoses = [
        f for f in ctx.role("back-complaint", current=False) if f.region in LOW_BACK_REGIONS
    ]
    starts = [f.start for f in diagnoses]
    recent = [
        s for s in starts if s is not None and 0 <= (ctx.today - s).days <= population.within_days
    ]
    if not recent or None in starts:
        return False
    first = min(recent)
    for f in diagnoses:
        start = f.start
        if start is None or start >= first:
            continue
        end = first if f.current else (f.abatement or start)
        if (first - end).days <= population.no_prior_days:
            return False
    return True
