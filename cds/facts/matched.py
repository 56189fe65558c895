"""A fact from one matched code or phrase, with the assertion the text gave it."""

from __future__ import annotations

from datetime import date

from cds.facts.model import Fact
from cds.facts.sites import Site
from cds.terminology import CodeMatch


def matched_fact(
    reference: str,
    match: CodeMatch,
    label: str,
    site: Site,
    *,
    current: bool,
    negated: bool = False,
    progressive: bool,
    onset: date | None,
    abatement: date | None = None,
    recorded: date | None,
    clinical_status: str | None = None,
    verification_status: str | None = None,
) -> Fact | None:
    """None when the phrase states nothing (conditional); historical is never current;
    negated text negates the fact."""
    if match.assertion == "conditional":
        return None
    historical = match.assertion == "historical"
    coded = match.confidence == "coded"
    entry = match.entry  # not match.concept / match.attrs: properties, a call each
    return Fact(
        reference=reference,
        concept=entry.concept.id,
        roles=entry.concept.roles,
        attrs=entry.attrs,
        label=label,
        code=f"{entry.system}|{entry.code}" if coded else "text",
        confidence="coded" if coded else "text",
        current=current and not historical,
        negated=negated or match.assertion == "negated",
        region=site.region,
        joint=site.joint,
        side=site.side,
        onset=onset,
        abatement=abatement,
        recorded=recorded,
        clinical_status=clinical_status,
        verification_status=verification_status,
        progressive=progressive or match.progressive,
        assertion=match.assertion,
    )
