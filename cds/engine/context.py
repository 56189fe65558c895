"""Facts sorted for reasoning: current back complaints, joint groups, neurology, ..."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from cds.engine.model import JointSite
from cds.facts import Fact, Facts, Side
from cds.facts.sites import combine_sides
from cds.terminology import Terminology


def sides_compatible(a: Side, b: Side) -> bool:
    return a == b or "unknown" in (a, b) or "bilateral" in (a, b)


# Context and JointGroup are engine-internal and never changed after build_context; they are not
# frozen because a frozen dataclass costs four times as much to build (saves ~10 k instructions a
# call of bench case (a)).


@dataclass(slots=True)
class JointGroup:
    site: JointSite
    facts: tuple[Fact, ...]


@dataclass(slots=True)
class Context:
    facts: Facts
    term: Terminology
    today: date
    back: tuple[Fact, ...]
    """Back complaints that count: current, or resolved within the history look-back."""
    joints: tuple[JointGroup, ...]

    roles: Mapping[tuple[str, bool, bool], tuple[Fact, ...]]
    """Facts by (role, current only, negated), in record order."""

    def role(self, role: str, *, current: bool = True, negated: bool = False) -> tuple[Fact, ...]:
        return self.roles.get((role, current, negated), ())

    def days_since(self, day: date | None) -> int | None:
        return None if day is None else (self.today - day).days

    def region_joints(self, region: str | None) -> frozenset[str]:
        return self.term.maps.region_joints.get(region or "unspecified", frozenset())

    def limb(self, joint: str | None) -> str | None:
        rules = self.term.rules
        if joint in rules.upper_limb:
            return "upper"
        if joint in rules.lower_limb:
            return "lower"
        return None

    def back_for(self, regions: frozenset[str] | None, joint: str | None) -> tuple[Fact, ...]:
        """Back complaints in `regions`, or (regions None) whose region refers to `joint`."""
        if regions is not None:
            return tuple(f for f in self.back if (f.region or "unspecified") in regions)
        return tuple(f for f in self.back if joint in self.region_joints(f.region))


def build_context(facts: Facts, term: Terminology, today: date) -> Context:
    lookback = term.rules.history_lookback_days
    roles: defaultdict[tuple[str, bool, bool], list[Fact]] = defaultdict(list)
    back = []
    by_joint: dict[str, list[Fact]] = {}
    for f in facts.facts:
        negated, current = f.negated, f.current
        for r in f.roles:
            roles[r, False, negated].append(f)
            if current:
                roles[r, True, negated].append(f)
        if negated:
            continue
        if "back-complaint" in f.roles and (
            current or f.abatement is None or (today - f.abatement).days <= lookback
        ):
            back.append(f)
        if f.joint and current and "joint-complaint" in f.roles:
            by_joint.setdefault(f.joint, []).append(f)
    groups = tuple(
        JointGroup(JointSite(joint, combine_sides([f.side for f in fs])), tuple(fs))
        for joint, fs in by_joint.items()
    )
    by_role = {r: tuple(fs) for r, fs in roles.items()}
    return Context(facts, term, today, tuple(back), groups, by_role)
