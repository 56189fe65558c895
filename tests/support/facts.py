"""Facts built directly, as the readers would build them from a coded record, for focused
engine tests at the fixtures' clock (FIXED_NOW, 2026-06-01)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import Findings, find
from cds.facts import Fact, Facts, Measurement, PatientInfo
from cds.terminology import default_terminology

TERM = default_terminology()
TODAY = FIXED_NOW.date()
ADULT = PatientInfo("Patient/p", 44, "female", date(1982, 1, 1))


def on(days: int | None) -> date | None:
    """The day `days` before today; None: undated."""
    return None if days is None else TODAY - timedelta(days=days)


def fact(concept: str, days: int | None, ref: str, **extra: Any) -> Fact:
    """A current, affirmed fact of a shipped concept that began `days` ago; `ref` is a
    Condition id unless it names its resource type."""
    c = TERM.concepts[concept]
    found = Fact(
        reference=ref if "/" in ref else f"Condition/{ref}",
        concept=concept,
        roles=c.roles,
        attrs=c.attrs,
        label=c.title,
        code="text",
        confidence="text",
        current=True,
        onset=on(days),
        region=c.attrs.get("region"),
        joint=c.attrs.get("joint"),
    )
    return replace(found, **extra)


def findings_of(
    *facts: Fact, patient: PatientInfo = ADULT, labs: tuple[Measurement, ...] = ()
) -> Findings:
    record = Facts("p", patient, facts=facts, measurements=labs)
    return find(record, "patient-view", FIXED_NOW, TERM)


def refs(facts: tuple[Fact, ...]) -> list[str]:
    """The resource ids of the facts, in order."""
    return [f.reference.split("/")[1] for f in facts]
