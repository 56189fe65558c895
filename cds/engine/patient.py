"""Who the patient is, for the advice: a child, pregnant, on which medicines (clinical-logic §2)."""

from __future__ import annotations

from datetime import date

from cds.engine.context import Context
from cds.engine.model import PatientState
from cds.facts import Fact

NSAID_CAUTIONS = ("ckd", "peptic-ulcer", "gi-bleed", "heart-failure")


def patient_state(ctx: Context) -> PatientState:
    rules = ctx.term.rules
    patient = ctx.facts.patient
    age = patient.age if patient else None
    sex = patient.sex if patient else None
    pregnancy = _pregnancy(ctx)
    steroids: list[Fact] = []
    immuno: list[Fact] = []
    anticoagulants: list[Fact] = []
    for f in ctx.role("medicine"):
        if _asserted(f):
            kind = f.attrs.get("medicine")
            if kind == "corticosteroid" and _long_term(ctx, f, rules.steroid_days):
                steroids.append(f)
            elif kind == "immunosuppressant":
                immuno.append(f)
            elif kind == "anticoagulant":
                anticoagulants.append(f)
    barriers: list[str] = []
    if age is not None and age >= rules.nsaid_age:
        barriers.append("age")
    if pregnancy:
        barriers.append("pregnancy")
    if anticoagulants:
        barriers.append("anticoagulant")
    cautions = {
        f.attrs.get("caution")
        for f in ctx.role("nsaid-caution", current=False)
        if _asserted(f) and (f.current or f.attrs.get("history") == "true")
    }
    barriers.extend([c for c in NSAID_CAUTIONS if c in cautions])
    if not ctx.facts.medicines_available:
        barriers.append("medicines-unavailable")
    return PatientState(
        age=age,
        sex=sex,
        child=age is not None and age < rules.child_age,
        pregnancy=pregnancy,
        long_term_steroids=tuple(steroids),
        immunosuppressants=tuple(immuno),
        nsaid_barriers=tuple(barriers),
    )


def _asserted(f: Fact) -> bool:
    """Not a relative's condition. Negated facts are not in the roles read here, and no fact
    is built from a conditional phrase."""
    return f.assertion != "family"


def _long_term(ctx: Context, f: Fact, days: int) -> bool:
    """Started at least `days` ago, or a code that says long-term; no start date counts."""
    if f.code.endswith("|Z79.52"):
        return True
    since = ctx.days_since(f.start)
    return since is None or since >= days


def _pregnancy(ctx: Context) -> tuple[Fact, ...]:
    """Current pregnancy facts begun within `pregnancyDays`, with no delivery, loss or
    "not pregnant" status recorded since."""
    recorded = (*ctx.role("pregnancy"), *ctx.role("pregnancy-status"))
    if not recorded:
        return ()
    limit = ctx.term.rules.pregnancy_days
    since_then = [f.start for f in ctx.role("pregnancy-ended", current=False) if _asserted(f)]
    since_then += [f.start for f in ctx.role("pregnancy-status", negated=True)]
    found = []
    for f in recorded:
        if not _asserted(f):
            continue
        days = ctx.days_since(f.start)
        if days is not None and days > limit:
            continue
        if any(_after(day, f.start) for day in since_then):
            continue
        found.append(f)
    return tuple(found)


def _after(day: date | None, start: date | None) -> bool:
    return day is not None and (start is None or day >= start)
