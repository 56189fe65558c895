"""The lumbar imaging rule's thresholds and exclusions (rules.json `imagingAppropriateness`)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True, slots=True)
class Exclusion:
    """A reason the imaging may well be appropriate: no card (clinical-logic.md §6)."""

    name: str
    concepts: frozenset[str]
    within_days: int | None
    """A finding counts when current or ended within this many days; None: ever."""


@dataclass(frozen=True, slots=True)
class Cms166Population:
    min_age: int
    max_age: int
    within_days: int
    """The first low back pain diagnosis is at most this many days old ..."""
    no_prior_days: int
    """... and no other low back pain diagnosis falls in this many days before it."""


@dataclass(frozen=True, slots=True)
class ImagingRules:
    min_age: int
    radicular_info_days: int
    cms166: Cms166Population
    exclusions: tuple[Exclusion, ...]


def parse_imaging_rules(raw: Mapping[str, Any]) -> ImagingRules:
    cms = raw["cms166"]
    return ImagingRules(
        min_age=int(raw["minAge"]),
        radicular_info_days=int(raw["radicularInfoDays"]),
        cms166=Cms166Population(
            int(cms["minAge"]), int(cms["maxAge"]), int(cms["withinDays"]), int(cms["noPriorDays"])
        ),
        exclusions=tuple(
            Exclusion(
                name,
                frozenset(str(c) for c in value["concepts"]),
                None if value.get("withinDays") is None else int(value["withinDays"]),
            )
            for name, value in raw["exclusions"].items()
            if isinstance(value, dict)
        ),
    )
