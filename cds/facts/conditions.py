"""Condition → Facts, with the status rules of clinical-logic.md §1."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import NamedTuple

from cds.facts.fhir.codeable import Codeable
from cds.facts.fhir.dates import add_years, to_date
from cds.facts.fhir.resources import ConditionRead
from cds.facts.matched import matched_fact
from cds.facts.model import Fact
from cds.facts.notes import NoteMatch
from cds.facts.sites import Site, body_site, site_of
from cds.facts.symptom_sites import with_site_meaning
from cds.terminology import CodeMatch, Terminology

CURRENT = frozenset({"active", "recurrence", "relapse"})
HISTORY = frozenset({"inactive", "resolved", "remission"})
KNOWN = CURRENT | HISTORY
EXCLUDED_VERIFICATION = frozenset({"refuted", "entered-in-error"})


def status_code(cc: Codeable | None) -> str | None:
    if cc is None:
        return None
    for coding in cc.coding or ():
        if coding.code:
            return str(coding.code)
    return None


def condition_facts(
    model: ConditionRead,
    reference: str,
    matches: tuple[CodeMatch, ...],
    term: Terminology,
    birth_date: date | None,
    read: Sequence[NoteMatch] = (),
) -> list[Fact] | None:
    """Facts of one Condition (its code, then what was read in its notes), or None when status
    rules leave it out."""
    verification = status_code(model.verificationStatus)
    clinical = status_code(model.clinicalStatus)
    if verification in EXCLUDED_VERIFICATION or clinical == "entered-in-error":
        return None
    abated = _has_abatement(model)
    abatement = _abatement(model, birth_date)
    current = clinical in CURRENT if clinical is not None else not abated
    if clinical is not None and clinical not in KNOWN:
        current = not abated
    onset = _onset(model, birth_date)
    body = body_site(model.bodySite or (), term)
    code_text = model.code.text if model.code is not None else None
    notes = " ".join(n.text for n in model.note if n.text) if model.note else None
    progressive = says_progressive(term, code_text, notes)
    status = _Status(
        reference, current, onset, abatement, to_date(model.recordedDate), clinical, verification
    )
    facts: list[Fact] = []
    for match in with_site_meaning(matches, model.bodySite or (), body.side, term):
        label = _label(match, code_text, model)
        fact = _fact(status, match, label, site_of(match, body, code_text, term), progressive)
        if fact is not None:
            facts.append(fact)
    for note in read:
        site = site_of(note.match, body, note.label, term)
        fact = _fact(status, note.match, note.label, site, note.match.progressive, note.time)
        if fact is not None:
            facts.append(fact)
    return facts


class _Status(NamedTuple):
    """A NamedTuple: cheaper to build than a frozen dataclass (~0.02 M instructions a call of
    bench case (a))."""

    reference: str
    current: bool
    onset: date | None
    abatement: date | None
    recorded: date | None
    clinical: str | None
    verification: str | None


def _fact(
    status: _Status,
    match: CodeMatch,
    label: str,
    site: Site,
    progressive: bool,
    written: date | None = None,
) -> Fact | None:
    return matched_fact(
        status.reference,
        match,
        label,
        site,
        current=status.current,
        progressive=progressive,
        onset=written or status.onset,
        abatement=status.abatement,
        recorded=written or status.recorded,
        clinical_status=status.clinical,
        verification_status=status.verification,
    )


def _label(match: CodeMatch, code_text: str | None, model: ConditionRead) -> str:
    if code_text:
        return code_text[:120]
    return coding_display(model.code, match)


def coding_display(code: Codeable | None, match: CodeMatch) -> str:
    """The record's own display for the matching coding, else the value set's."""
    entry = match.entry
    for coding in (code.coding or ()) if code is not None else ():
        same = coding.code == entry.code or (coding.code or "").startswith(entry.code)
        if same and coding.display:
            return coding.display[:120]
    return entry.display[:120]


def says_progressive(term: Terminology, *texts: str | None) -> bool:
    """Any of the texts has a word of progression ("worsening", "progressive", ...)."""
    words = term.keywords.progressive
    return any(not words.isdisjoint(term.keywords.tokens(text)) for text in texts if text)


def _onset(model: ConditionRead, birth_date: date | None) -> date | None:
    if model.onsetDateTime is not None:
        return to_date(model.onsetDateTime)
    if model.onsetPeriod is not None and model.onsetPeriod.start is not None:
        return to_date(model.onsetPeriod.start)
    if model.onsetAge is not None:
        return _from_age(model.onsetAge.value, birth_date)
    return None


def _abatement(model: ConditionRead, birth_date: date | None) -> date | None:
    if model.abatementDateTime is not None:
        return to_date(model.abatementDateTime)
    if model.abatementPeriod is not None:
        return to_date(model.abatementPeriod.end or model.abatementPeriod.start)
    if model.abatementAge is not None:
        return _from_age(model.abatementAge.value, birth_date)
    return None


def _has_abatement(model: ConditionRead) -> bool:
    return (
        model.abatementDateTime is not None
        or model.abatementPeriod is not None
        or model.abatementAge is not None
        or model.abatementRange is not None
        or model.abatementString is not None
    )


def _from_age(value: object, birth_date: date | None) -> date | None:
    if birth_date is None or value is None:
        return None
    try:
        years = int(float(str(value)))
    except ValueError:
        return None
    if not 0 <= years <= 130:
        return None
    return add_years(birth_date, years)
