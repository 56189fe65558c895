"""Terminology as data: ValueSets, ConceptMaps, CodeSystems, keywords and rules (JSON).

The package's own JSON files load first, then every `*.json` in the directory named by the
environment variable `CDS_TERMINOLOGY_DIR` (see README.md). Loading happens once, on first use.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

from cds.terminology.loader import TerminologyError, load_terminology
from cds.terminology.model import (
    CodeEntry,
    CodeMatch,
    Concept,
    Terminology,
)
from cds.terminology.rules import Rules

__all__ = [
    "CodeEntry",
    "CodeMatch",
    "Concept",
    "Rules",
    "Terminology",
    "TerminologyError",
    "default_terminology",
    "load_terminology",
    "observation_search_codes",
]

OBSERVATION_ROLES = frozenset(
    {
        "radiating",
        "neurological",
        "provocation",
        "gait",
        "posture",
        "marker",
        "red-flag",
        "ng65-feature",
        "pregnancy-status",
    }
)


@cache
def default_terminology() -> Terminology:
    extra = os.environ.get("CDS_TERMINOLOGY_DIR")
    return load_terminology(Path(extra) if extra else None)


def observation_search_codes(terminology: Terminology | None = None) -> list[str]:
    """`system|code` tokens of every Observation code the engine reads (LOINC and SNOMED).

    Used to build the prefetch template `Observation?patient=...&code=<tokens joined by ,>`.
    ICD codes are left out: Observations are not coded in ICD.
    """
    term = terminology or default_terminology()
    tokens: list[str] = []
    seen: set[str] = set()
    for entries in term.exact.values():
        for entry in entries:
            if not OBSERVATION_ROLES & entry.concept.roles:
                continue
            token = f"{entry.system}|{entry.code}"
            if token not in seen:
                seen.add(token)
                tokens.append(token)
    return sorted(tokens)
