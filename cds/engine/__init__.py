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
    PatientState,
    RedFlag,
    StartBack,
)
from cds.engine.orders import find_orders
from cds.engine.patient import patient_state
from cds.engine.patterns import find_patterns
from cds.engine.pictures import with_pictures
from cds.engine.red_flags import find_red_flags
from cds.engine.start_back import needs_stratifying, start_back
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
    "PatientState",
    "RedFlag",
    "StartBack",
    "find",
]


def find(facts: Facts, hook: Hook, now: datetime, term: Terminology) -> Findings:
    ctx = build_context(facts, term, today_of(now))
    state = patient_state(ctx)
    findings = () if state.child else with_pictures(ctx, state, find_patterns(ctx))
    red_flags, stable = find_red_flags(ctx, state)
    ordering = hook != "patient-view" and not red_flags and not state.child
    orders = find_orders(ctx, findings) if ordering else ()
    imaging = find_imaging(ctx) if ordering else None
    risk = start_back(ctx)
    patient = facts.patient
    return Findings(
        patient_id=facts.patient_id,
        findings=findings,
        red_flags=red_flags,
        stable=stable,
        orders=orders,
        existing_referrals=frozenset([r.kind for r in facts.referrals]),
        referrals=facts.referrals,
        pain_scores=tuple([m for m in facts.measurements if m.marker == "pain-score"]),
        age_concern=bool(
            patient and patient.age is not None and patient.age > term.rules.age_concern
        ),
        imaging=imaging,
        state=state,
        risk=risk,
        stratify=risk is None and needs_stratifying(ctx),
        order_scope=bool(facts.orders or facts.spinal_orders or facts.imaging_orders),
    )
