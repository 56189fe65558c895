"""The engine: pure functions from Facts (and `now`) to Findings. No I/O, no clock."""

from __future__ import annotations

from datetime import datetime

from cds.engine.context import build_context
from cds.engine.imaging import find_imaging
from cds.engine.model import (
    Finding,
    Findings,
    ImagingFinding,
    IndicatorResult,
    JointSite,
    NG65Result,
    OrderFinding,
    RedFlag,
)
from cds.engine.orders import find_orders
from cds.engine.patterns import find_patterns
from cds.engine.red_flags import find_red_flags
from cds.facts import Facts
from cds.facts.fhir.dates import today_of
from cds.terminology import Terminology
from cds.types import Hook

__all__ = [
    "Finding",
    "Findings",
    "ImagingFinding",
    "IndicatorResult",
    "JointSite",
    "NG65Result",
    "OrderFinding",
    "RedFlag",
    "find",
]


def find(facts: Facts, hook: Hook, now: datetime, term: Terminology) -> Findings:
    ctx = build_context(facts, term, today_of(now))
    findings = find_patterns(ctx)
    red_flags, stable = find_red_flags(ctx)
    orders = find_orders(ctx, findings) if hook != "patient-view" and not red_flags else ()
    imaging = find_imaging(ctx) if hook != "patient-view" and not red_flags else None
    start_back = next((m for m in facts.measurements if m.marker == "start-back"), None)
    patient = facts.patient
    return Findings(
        patient_id=facts.patient_id,
        patient=patient,
        findings=findings,
        red_flags=red_flags,
        stable=stable,
        orders=orders,
        existing_referrals=frozenset(r.kind for r in facts.referrals),
        referrals=facts.referrals,
        start_back=start_back,
        pain_scores=tuple(m for m in facts.measurements if m.marker == "pain-score"),
        age_concern=bool(
            patient and patient.age is not None and patient.age > term.rules.age_concern
        ),
        imaging=imaging,
    )
