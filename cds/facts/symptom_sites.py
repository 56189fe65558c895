"""A coded symptom whose meaning depends on where it is: numbness of the perineum is saddle
anaesthesia (ConceptMap symptom-at-body-site)."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from cds.facts.fhir.codeable import Codeable
from cds.terminology import CodeMatch, Terminology


def with_site_meaning(
    matches: tuple[CodeMatch, ...],
    body_sites: Sequence[Codeable | None],
    side: str,
    term: Terminology,
) -> tuple[CodeMatch, ...]:
    """The matches, plus the concept each means at one of the resource's body sites."""
    table = term.maps.symptom_sites
    if not table or not body_sites:
        return matches
    extra: list[CodeMatch] = []
    have = {m.concept.id for m in matches}
    for cc in body_sites:
        for coding in (cc.coding or ()) if cc is not None else ():
            for meaning in table.get((coding.system or "", coding.code or ""), ()):
                concept = term.concepts.get(meaning.concept)
                if concept is None or concept.id in have:
                    continue
                if meaning.sides and side not in meaning.sides:
                    continue
                for m in matches:
                    if m.concept.id == meaning.symptom:
                        entry = dataclasses.replace(m.entry, concept=concept, attrs=concept.attrs)
                        extra.append(dataclasses.replace(m, entry=entry))
                        have.add(concept.id)
                        break
    return matches + tuple(extra)
