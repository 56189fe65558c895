"""The lumbar imaging card (`imaging-appropriateness`): advice on a draft lumbar X-ray, MRI or CT,
and suggestions the clinician may choose to replace it (CDS Hooks 2.0 `delete` plus `create`)."""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from cds.cards.escape import plain
from cds.cards.issued import IssuedCard, IssuedSuggestion
from cds.cards.suggestions import Offer, reason_references, suggestion
from cds.engine import ImagingFinding
from cds.facts import ImagingOrder
from cds.protocol import Action
from cds.terminology.imaging_rules import Exclusion
from cds.types import Topic

if TYPE_CHECKING:
    from cds.cards import _Builder

TOPIC: Topic = "imaging-appropriateness"


def imaging_card(b: _Builder, finding: ImagingFinding) -> IssuedCard:
    text = b.text
    words = text.section("imaging")
    study = _study(words["studies"], finding.orders)
    weeks = (finding.radicular_days or 0) // 7
    summary = text.summary(f"imaging-{finding.level}", study=study, weeks=weeks)
    rules = b.term.rules.imaging
    facts = tuple({f.reference: f for f in (*finding.back, *finding.radicular)}.values())
    reasons = [
        b.term.concepts[c]
        for c in dict.fromkeys(r for o in finding.orders for r in o.reasons)
        if c in b.term.concepts
    ]
    detail = text.detail(
        TOPIC,
        orders=[f"{plain(o.label)} (`{o.reference}`)" for o in finding.orders],
        level=finding.level,
        weeks=weeks,
        cms166=f"{rules.cms166.min_age}\u2013{rules.cms166.max_age}" if finding.cms166 else "",
        cms166_days=rules.cms166.within_days,
        evidence=b.evidence_lines(facts),
        reasons=[c.title for c in reasons],
        exclusions=_exclusions(words["exclusions"], rules.exclusions),
        radicular=bool(finding.radicular) or any("radiating" in c.roles for c in reasons),
        stable=[f"{plain(f.label)} (`{f.reference}`)" for f in b.f.stable],
        existing=b.existing(),
    )
    references = tuple(f.reference for f in facts) + tuple(
        r for o in finding.orders for r in o.reason_references
    )
    issued = b.card(
        TOPIC,
        finding.level,
        summary,
        detail,
        [],
        references,
        ["ng59", "cms166"] if finding.cms166 else ["ng59"],
        (),
        "unknown",
        [f"{f.reference}|{f.code}" for f in facts] + [o.code for o in finding.orders],
    )
    replacements = _replacements(b, finding, study, reason_references(references))
    if replacements:
        wire = issued.wire.model_copy(
            update={
                "suggestions": [r.wire for r in replacements],
                "selectionBehavior": "at-most-one",
            }
        )
        issued = replace(issued, wire=wire, suggestions=tuple(replacements))
    return issued


def _replacements(
    b: _Builder, finding: ImagingFinding, study: str, conditions: tuple[str, ...]
) -> list[IssuedSuggestion]:
    """Replace the order: delete each draft order and create a referral instead."""
    deletable = [o for o in finding.orders if "#" not in o.reference]
    if not deletable:
        return []
    offers = [Offer("physiotherapy", finding.level == "warning"), Offer("spinal-assessment", False)]
    out = []
    for offer in b._allowed(offers):
        made = suggestion(
            offer,
            patient_id=b.f.patient_id,
            conditions=conditions,
            text=b.text,
            catalog=b.catalog,
            new_uuid=b.new_uuid,
        )
        deletes = [
            Action(
                type="delete",
                description=b.text.summary("imaging-delete", order=o.label),
                resourceId=o.reference,
            )
            for o in deletable
        ]
        wire = made.wire.model_copy(
            update={
                "label": b.text.summary(f"imaging-replace-{offer.kind}", study=study),
                "actions": [*(made.wire.actions or ()), *deletes],
            }
        )
        out.append(replace(made, wire=wire))
    return out


def _study(studies: dict[str, str], orders: tuple[ImagingOrder, ...]) -> str:
    names = list(dict.fromkeys(studies.get(o.modality, o.modality) for o in orders))
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _exclusions(names: dict[str, str], exclusions: tuple[Exclusion, ...]) -> list[str]:
    """ "cancer, spondyloarthritis (ever)", "trauma or IV drug use (last 12 months)"."""
    windows: dict[int | None, list[str]] = {}
    for e in exclusions:
        windows.setdefault(e.within_days, []).append(names.get(e.name, e.name))
    return [
        f"{_or(words)} ({'ever' if days is None else f'last {days // 30} months'})"
        for days, words in windows.items()
    ]


def _or(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " or " + words[-1]
