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
    medicines = [f for f in ctx.role("medicine") if _asserted(f)]
    steroids = tuple(
        f
        for f in medicines
        if f.attrs.get("medicine") == "corticosteroid" and _long_term(ctx, f, rules.steroid_days)
    )
    immuno = tuple(f for f in medicines if f.attrs.get("medicine") == "immunosuppressant")
    anticoag = tuple(f for f in medicines if f.attrs.get("medicine") == "anticoagulant")
    barriers: list[str] = []
    if age is not None and age >= rules.nsaid_age:
        barriers.append("age")
    if pregnancy:
        barriers.append("pregnancy")
    if anticoag:
        barriers.append("anticoagulant")
    cautions = {
        f.attrs.get("caution")
        for f in ctx.role("nsaid-caution", current=False)
        if _asserted(f) and (f.current or f.attrs.get("history") == "true")
    }
    barriers.extend(c for c in NSAID_CAUTIONS if c in cautions)
    if not ctx.facts.medicines_available:
        barriers.append("medicines-unavailable")
    return PatientState(
        age=age,
        sex=sex,
        child=age is not None and age < rules.child_age,
        pregnancy=pregnancy,
        long_term_steroids=steroids,
        immunosuppressants=immuno,
        anticoagulants=anticoag,
        medicines_available=ctx.facts.medicines_available,
        nsaid_barriers=tuple(barriers),
    )


def _asserted(f: Fact) -> bool:
    return not f.negated and f.assertion not in ("conditional", "family")  # negated text: f.negated


def _long_term(ctx: Context, f: Fact, days: int) -> bool:
    """Started at least `days` ago, or a code that says long-term; no start date counts."""
    if f.code.endswith("|Z79.52"):
        return True
    since = ctx.days_since(f.start)
    return since is None or since >= days


def _pregnancy(ctx: Context) -> tuple[Fact, ...]:
    """Current pregnancy facts begun within `pregnancyDays`, with no delivery, loss or
    "not pregnant" status recorded since."""
    limit = ctx.term.rules.pregnancy_days
    since_then = [f.start for f in ctx.role("pregnancy-ended", current=False) if _asserted(f)]
    since_then += [f.start for f in ctx.role("pregnancy-status", negated=True)]
    found = []
    for f in (*ctx.role("pregnancy"), *ctx.role("pregnancy-status")):
        if not _asserted(f) or f.assertion == "historical":
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
