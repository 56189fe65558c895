"""What the engine concludes: findings, red flags and order findings.

Every result is built once by the engine and never changed after. IndicatorResult, NG65Result,
Finding, PatientState and Findings, built on every call, are not frozen: a frozen dataclass sets
each field through object.__setattr__, four times the cost (saves ~90 k instructions a call of
bench case (a)); use dataclasses.replace for a changed copy, as for the frozen ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Literal

from cds.facts import DraftOrder, Fact, ImagingOrder, Measurement, Referral, Side

Pattern = Literal["radicular", "compensatory", "biomechanical", "inflammatory"]
Level = Literal["warning", "info"]
Tier = Literal["emergency", "urgent"]
Risk = Literal["low", "medium", "high", "medium-or-high"]


@dataclass(frozen=True, slots=True)
class JointSite:
    joint: str
    side: Side


@dataclass(slots=True)
class IndicatorResult:
    key: str
    present: bool
    evidence: tuple[Fact, ...] = ()
    checked_absent: tuple[Fact, ...] = ()
    """Negated findings that were looked for (e.g. straight-leg-raise negative)."""
    note: str = ""


@dataclass(slots=True)
class NG65Result:
    met: bool
    features: tuple[str, ...]
    missing: tuple[str, ...]
    hla_b27: bool | None
    duration_days: int | None
    onset_age: int | None
    evidence: tuple[Fact, ...] = ()


@dataclass(slots=True)
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
    picture: str | None = None
    """A likelier explanation the record does not yet name ("pmr", "pelvic-girdle-pain")."""

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
    route: str = ""
    """What to do: a key of the card wording's flagActions."""
    suspected: bool = False
    """All its evidence is uncertain text ("?CES"): raised all the same, as suspected."""
    start: date | None = None
    actioned: date | None = None
    """When a referral, imaging or urgent request for it was recorded since it began."""


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


@dataclass(slots=True)
class PatientState:
    """Who the patient is, for the advice (clinical-logic.md §2): built by `engine.patient`."""

    age: int | None
    sex: str | None
    child: bool
    """Under 16: no spinal-origin, inflammatory or order card (NG59 is for over 16s)."""
    pregnancy: tuple[Fact, ...]
    long_term_steroids: tuple[Fact, ...]
    immunosuppressants: tuple[Fact, ...]
    nsaid_barriers: tuple[str, ...]
    """Why NSAID advice is withheld ("age", "pregnancy", "anticoagulant", "ckd", "peptic-ulcer",
    "gi-bleed", "heart-failure", "medicines-unavailable"); empty: it may be given."""

    @property
    def pregnant(self) -> bool:
        return bool(self.pregnancy)


@dataclass(frozen=True, slots=True)
class StartBack:
    """The latest Keele STarT Back score since the current back complaint began (NG59 1.1.1)."""

    total: float
    psychosocial: float | None
    risk: Risk
    reference: str
    effective: date | None


@dataclass(slots=True)
class Findings:
    patient_id: str
    findings: tuple[Finding, ...] = ()
    red_flags: tuple[RedFlag, ...] = ()
    stable: tuple[Fact, ...] = ()
    """Long-standing findings that would be red flags if new: ask about any change."""
    orders: tuple[OrderFinding, ...] = ()
    existing_referrals: frozenset[str] = field(default_factory=frozenset)
    referrals: tuple[Referral, ...] = ()
    pain_scores: tuple[Measurement, ...] = ()
    age_concern: bool = False
    imaging: ImagingFinding | None = None
    state: PatientState | None = None
    risk: StartBack | None = None
    stratify: bool = False
    """No STarT Back score and a back complaint that began within 12 weeks: ask for one."""
    order_scope: bool = False
    """Order hooks: a joint or spinal order is drafted (a red flag is shown for it)."""
