"""The inflammatory pattern: a coded spondyloarthritis, or the NICE NG65 referral criteria."""

from __future__ import annotations

from cds.engine.context import Context
from cds.engine.model import NG65Result
from cds.facts import Fact
from cds.facts.fhir.dates import years_between

NG65_FEATURES = (
    "onset-before-35",
    "night-waking",
    "buttock-pain",
    "improves-with-movement",
    "nsaid-response",
    "family-history",
    "arthritis",
    "enthesitis",
    "psoriasis",
)


def spa_diagnoses(ctx: Context) -> tuple[Fact, ...]:
    """An established diagnosis counts whether current or past."""
    return tuple(
        [f for f in ctx.facts.facts if "inflammatory-diagnosis" in f.roles and not f.negated]
    )


def hla_b27(ctx: Context) -> bool | None:
    results = [m.abnormal for m in ctx.facts.measurements if m.marker == "hla-b27"]
    if True in results:
        return True
    if False in results:
        return False
    return None


def ng65(ctx: Context) -> NG65Result | None:
    rules = ctx.term.rules
    back = [b for b in ctx.back if b.current and b.region != "cervical" and b.start]
    if not back:
        return None
    first = min([b.start for b in back if b.start])
    duration = (ctx.today - first).days
    patient = ctx.facts.patient
    onset_age = years_between(patient.birth_date, first) if patient and patient.birth_date else None
    present: dict[str, list[Fact]] = {}
    if onset_age is not None and onset_age < rules.ng65_early_onset_age:
        present["onset-before-35"] = [b for b in back if b.start == first]
    for g in ctx.joints:
        if g.site.joint == "buttock":
            present["buttock-pain"] = list(g.facts)  # one group a joint
    for f in ctx.role("ng65-feature", current=False):
        if f.current or f.attrs.get("history") == "true":
            present.setdefault(f.attrs.get("feature", f.concept), []).append(f)
    hla = hla_b27(ctx)
    count = len(present)
    eligible = (
        duration > rules.ng65_min_duration_days
        and onset_age is not None
        and onset_age < rules.ng65_onset_before_age
    )
    met = eligible and (
        count >= rules.ng65_min_features
        or (count >= rules.ng65_min_features_with_hla and hla is True)
    )
    evidence = tuple([f for fs in present.values() for f in fs])
    return NG65Result(
        met=met,
        features=tuple([k for k in NG65_FEATURES if k in present]),
        missing=tuple([k for k in NG65_FEATURES if k not in present]),
        hla_b27=hla,
        duration_days=duration,
        onset_age=onset_age,
        evidence=evidence,
    )
