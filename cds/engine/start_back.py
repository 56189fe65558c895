"""NICE NG59 1.1.1-1.1.3: the Keele STarT Back score stratifies the lumbar advice."""

from __future__ import annotations

from datetime import date

from cds.engine.context import Context
from cds.engine.model import Risk, StartBack
from cds.facts import Measurement


def start_back(ctx: Context) -> StartBack | None:
    """The latest total since the current (non-cervical) back complaint began, with its
    psychosocial subscore when one is recorded the same day or later."""
    rules = ctx.term.rules
    began = _began(ctx)
    totals = _since(ctx, "start-back", began)
    if not totals:
        return None
    total = totals[-1]
    if total.value is None:
        return None
    subscores = [
        m for m in _since(ctx, "start-back-psychosocial", total.effective) if m.value is not None
    ]
    psychosocial = subscores[-1].value if subscores else None
    risk: Risk
    if total.value <= rules.start_back_low_max:
        risk = "low"
    elif psychosocial is None:
        risk = "medium-or-high"
    elif psychosocial >= rules.start_back_high_psychosocial:
        risk = "high"
    else:
        risk = "medium"
    return StartBack(total.value, psychosocial, risk, total.reference, total.effective)


def needs_stratifying(ctx: Context) -> bool:
    """A lumbar back complaint that began within 12 weeks."""
    limit = ctx.term.rules.chronic_days
    for b in ctx.back:
        if b.current and b.region != "cervical":
            days = ctx.days_since(b.start)
            if days is not None and days <= limit:
                return True
    return False


def _began(ctx: Context) -> date | None:
    starts = [b.start for b in ctx.back if b.current and b.region != "cervical"]
    known = [d for d in starts if d is not None]
    return min(known) if known and len(known) == len(starts) else None


def _since(ctx: Context, marker: str, began: date | None) -> list[Measurement]:
    found = [
        m
        for m in ctx.facts.measurements
        if m.marker == marker and (began is None or m.effective is None or m.effective >= began)
    ]
    return sorted(found, key=_effective)


def _effective(m: Measurement) -> date:
    return m.effective or date.min
