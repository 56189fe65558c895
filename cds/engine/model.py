"""What the engine concludes: findings, red flags and order findings."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from cds.facts import DraftOrder, Fact, ImagingOrder, Measurement, PatientInfo, Referral, Side

Pattern = Literal["radicular", "compensatory", "biomechanical", "inflammatory"]
Level = Literal["warning", "info"]
Tier = Literal["emergency", "urgent"]


@dataclass(frozen=True, slots=True)
class JointSite:
    joint: str
    side: Side


@dataclass(frozen=True, slots=True)
class IndicatorResult:
    key: str
    label: str
    present: bool
    evidence: tuple[Fact, ...] = ()
    checked_absent: tuple[Fact, ...] = ()
    """Negated findings that were looked for (e.g. straight-leg-raise negative)."""
    note: str = ""


@dataclass(frozen=True, slots=True)
class NG65Result:
    met: bool
    features: tuple[str, ...]
    missing: tuple[str, ...]
    hla_b27: bool | None
    duration_days: int | None
    onset_age: int | None
    evidence: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class Finding:
    pattern: Pattern
    sites: tuple[JointSite, ...]
    region: str
    level: Level
    score: float
    indicators: tuple[IndicatorResult, ...]
    back: tuple[Fact, ...]
    joints: tuple[Fact, ...]
    supporting: tuple[Fact, ...] = ()
    local: tuple[Fact, ...] = ()
    markers: tuple[Measurement, ...] = ()
    diagnoses: tuple[Fact, ...] = ()
    ng65: NG65Result | None = None
    roots: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()

    @property
    def evidence(self) -> tuple[Fact, ...]:
        seen: dict[tuple[str, str], Fact] = {}
        groups = [self.back, self.joints, self.supporting, self.local, self.diagnoses]
        if self.ng65 is not None and self.ng65.met:
            groups.append(self.ng65.evidence)
        for ind in self.indicators:
            groups.append(ind.evidence)
        for group in groups:
            for f in group:
                seen.setdefault((f.reference, f.concept), f)
        return tuple(seen.values())

    @property
    def present(self) -> tuple[IndicatorResult, ...]:
        return tuple(i for i in self.indicators if i.present)

    @property
    def absent(self) -> tuple[IndicatorResult, ...]:
        return tuple(i for i in self.indicators if not i.present)

    @property
    def low_confidence(self) -> bool:
        return any(f.confidence == "text" for f in self.evidence)


@dataclass(frozen=True, slots=True)
class RedFlag:
    flag: str
    tier: Tier
    facts: tuple[Fact, ...] = ()
    measurements: tuple[Measurement, ...] = ()
    back: tuple[Fact, ...] = ()


@dataclass(frozen=True, slots=True)
class OrderFinding:
    order: DraftOrder
    sites: tuple[JointSite, ...]
    finding: Finding


@dataclass(frozen=True, slots=True)
class ImagingFinding:
    """Draft lumbar spine imaging for low back pain or sciatica (clinical-logic.md §6)."""

    orders: tuple[ImagingOrder, ...]
    level: Level
    """info: radicular pain for the rule's number of days or more; else warning."""
    back: tuple[Fact, ...]
    """The current low back pain or sciatica; empty when only the orders' reasons name it."""
    radicular: tuple[Fact, ...]
    radicular_days: int | None
    """How long the longest-standing radicular pain has lasted, when its onset is known."""
    cms166: bool
    """The patient is in CMS166's population (age, a new low back pain diagnosis)."""


@dataclass(frozen=True, slots=True)
class Findings:
    patient_id: str
    patient: PatientInfo | None
    findings: tuple[Finding, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    stable: tuple[Fact, ...] = ()
    """Long-standing findings that would be red flags if new: ask about any change."""
    orders: tuple[OrderFinding, ...] = ()
    existing_referrals: frozenset[str] = field(default_factory=frozenset)
    referrals: tuple[Referral, ...] = ()
    start_back: Measurement | None = None
    pain_scores: tuple[Measurement, ...] = ()
    age_concern: bool = False
    imaging: ImagingFinding | None = None
