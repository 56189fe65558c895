"""Red flags for serious pathology (clinical-logic.md §4). They override everything."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

from cds.engine.actioned import actioned_on
from cds.engine.context import Context
from cds.engine.model import PatientState, RedFlag, Tier
from cds.facts import Fact, Measurement

TIER_RANK = {"emergency": 2, "urgent": 1}
LEG_JOINTS = frozenset({"leg", "thigh", "buttock"})
CHILD_JOINTS = frozenset({"hip", "thigh", "knee", "leg"})
NEURO_ESCALATES = frozenset({"cancer", "infection"})
NEEDS_NEW_BACK = frozenset(
    {"cancer", "infection", "fracture", "weight-loss", "non-mechanical-pain"}
)
NOT_ASSERTED = frozenset({"negated", "conditional", "family"})


def _tier(value: str | None) -> Tier:
    return "emergency" if value == "emergency" else "urgent"


@dataclass
class _Flag:
    tier: Tier
    route: str
    facts: list[Fact] = field(default_factory=list)
    measurements: list[Measurement] = field(default_factory=list)


class _Finder:
    def __init__(self, ctx: Context, state: PatientState) -> None:
        self.ctx = ctx
        self.state = state
        self.rules = ctx.term.rules
        self.current_back = tuple([b for b in ctx.back if b.current])
        self.new_back = tuple([b for b in self.current_back if self._new(b)])
        self.flags: dict[str, _Flag] = {}
        self.stable: list[Fact] = []

    def _new(self, back: Fact) -> bool:
        days = self.ctx.days_since(back.start)
        return back.progressive or (days is not None and days <= self.rules.new_back_pain_days)

    def _within(self, f: Fact, days: int) -> bool:
        since = self.ctx.days_since(f.start)
        return since is not None and since <= days

    def add(
        self,
        flag: str,
        tier: Tier,
        route: str | None = None,
        facts: tuple[Fact, ...] = (),
        measurement: Measurement | None = None,
    ) -> None:
        found = self.flags.get(flag)
        if found is None:
            found = self.flags[flag] = _Flag(tier, route or flag)
        elif TIER_RANK[tier] > TIER_RANK[found.tier]:
            found.tier, found.route = tier, route or flag
        for f in facts:
            if f not in found.facts:
                found.facts.append(f)
        if measurement is not None and measurement not in found.measurements:
            found.measurements.append(measurement)

    def run(self) -> tuple[tuple[RedFlag, ...], tuple[Fact, ...]]:
        for f in self.ctx.facts.facts:
            if "red-flag" in f.roles and _asserted(f):
                self._coded(f)
        self._progressive_neurology()
        self._bilateral_sciatica()
        self._medicines()
        self._temperature()
        self._thoracic()
        self._child_hip()
        self._neurology_escalates()
        return self._result()

    def _coded(self, f: Fact) -> None:
        rule = f.attrs.get("rule")  # none: "always", the last branch
        flag = f.attrs.get("flag", f.concept)
        tier = _tier(f.attrs.get("tier"))
        if f.attrs.get("requires-back") == "true" and not self.current_back:
            return
        if rule == "with-new-back-pain":
            if self.new_back and (f.current or f.attrs.get("history") == "true"):
                self.add(flag, tier, facts=(f,))
            return
        if not f.current or (f.assertion == "historical" and f.attrs.get("history") != "true"):
            return
        recent = self._within(f, self.rules.new_neuro_days)
        if rule == "cauda-equina-coded":
            late = f.start is not None and not recent and not f.progressive
            self._cauda_equina(f, late)
        elif rule == "cauda-equina":
            self._cauda_equina_symptom(f, recent)
        elif rule == "new":
            if f.progressive or f.side == "bilateral":
                self.add(flag, "emergency", f"{flag}-emergency", (f,))
            elif recent:
                self.add(flag, tier, facts=(f,))
            else:
                self.stable.append(f)
        elif rule == "recent-with-new-back-pain":
            if self.new_back and self._within(f, self.rules.fever_days):
                self.add(flag, tier, facts=(f,))
        elif rule == "recent-or-with-new-back-pain":
            if self.new_back or self._within(f, self.rules.new_back_pain_days):
                self.add(flag, tier, facts=(f,))
        elif rule == "joint-recent":
            if f.start is None or self._within(f, self.rules.joint_flag_days):
                route = f"{flag}-emergency" if tier == "emergency" and flag != "hot-joint" else flag
                self.add(flag, tier, route, (f,))
        elif rule == "recent":
            if self._within(f, self.rules.fever_days):
                self.add(flag, tier, facts=(f,))
        elif rule == "with-back-pain":
            if self.current_back:
                self.add(flag, tier, facts=(f,))
        elif f.progressive and tier == "urgent":
            self.add(flag, "emergency", f"{flag}-emergency", (f,))
        else:
            self.add(flag, tier, facts=(f,))

    def _cauda_equina(self, f: Fact, late: bool) -> None:
        if late:
            self.add("cauda-equina", "urgent", "cauda-equina-late", (f,))
        else:
            self.add("cauda-equina", "emergency", facts=(f,))

    def _cauda_equina_symptom(self, f: Fact, recent: bool) -> None:
        """Bladder, bowel and sexual symptoms count only with current low back or leg pain;
        saddle anaesthesia (`needs-pain=false`) counts without."""
        episode = self._back_or_leg_pain()
        if not episode and f.attrs.get("needs-pain") != "false":
            return
        if recent or f.progressive:
            self._cauda_equina(f, late=False)
            return
        starts = [e.start for e in episode if e.start is not None]
        began = min(starts) if starts and len(starts) == len(episode) else None
        if f.start is None or began is None or f.start >= began:
            self._cauda_equina(f, late=True)
        else:
            self.stable.append(f)

    def _back_or_leg_pain(self) -> tuple[Fact, ...]:
        back = tuple(
            b
            for b in self.current_back
            if (b.region or "unspecified") in self.rules.lower_back_regions
        )
        legs = tuple(f for g in self.ctx.joints if g.site.joint in LEG_JOINTS for f in g.facts)
        radiating = tuple(
            f
            for f in self.ctx.role("radiating")
            if (f.region or "unspecified") in self.rules.lower_back_regions
        )
        return _unique((*back, *legs, *radiating))

    def _progressive_neurology(self) -> None:
        for f in self.ctx.role("neurological"):
            if f.progressive and self.current_back and "red-flag" not in f.roles and _asserted(f):
                self.add("progressive-deficit", "emergency", "progressive-deficit-emergency", (f,))

    def _bilateral_sciatica(self) -> None:
        if not self.rules.bilateral_sciatica_is_cauda_equina:
            return
        new = [
            f
            for f in self.ctx.role("radiating")
            if (f.region or "unspecified") in self.rules.lower_back_regions
            and _asserted(f)
            and (f.progressive or self._within(f, self.rules.new_neuro_days))
        ]
        sides = {f.side for f in new}
        if "bilateral" in sides or {"left", "right"} <= sides:
            self.add("cauda-equina", "emergency", facts=tuple(new))

    def _medicines(self) -> None:
        if not self.new_back:
            return
        for f in self.state.long_term_steroids:
            self.add("fracture", "urgent", facts=(f,))
            self.add("infection", "urgent", facts=(f,))
        for f in self.state.immunosuppressants:
            self.add("infection", "urgent", facts=(f,))

    def _temperature(self) -> None:
        if not self.new_back:
            return
        for m in self.ctx.facts.measurements:
            days = self.ctx.days_since(m.effective)
            recent = days is not None and days <= self.rules.fever_days
            if m.marker == "temperature" and m.abnormal and recent:
                self.add("infection", "urgent", measurement=m)

    def _thoracic(self) -> None:
        if not self.rules.thoracic_pain_is_red_flag:
            return
        thoracic = [b for b in self.current_back if b.region == "thoracic"]
        if not thoracic:
            return
        cancer = [
            f
            for f in self.ctx.role("red-flag", current=False)
            if f.attrs.get("flag") == "cancer" and _asserted(f)
        ]
        new = [b for b in thoracic if self._new(b)]
        risks = self._thoracic_risks()
        age = self.state.age
        by_age = age is not None and (
            age < self.rules.thoracic_age_under or age >= self.rules.thoracic_age_from
        )
        if cancer:
            self.add("thoracic-pain", "urgent", facts=(*thoracic, *cancer))
        elif new and (risks or by_age):
            self.add("thoracic-pain", "urgent", facts=(*new, *risks))

    def _thoracic_risks(self) -> tuple[Fact, ...]:
        found = [
            f
            for f in self.ctx.role("red-flag")
            if _asserted(f)
            and (
                f.attrs.get("flag") in ("non-mechanical-pain", "weight-loss")
                or f.concept in ("fever", "infection-risk")
                or f.code.endswith("|Z79.52")
            )
        ]
        found += [*self.state.long_term_steroids, *self.state.immunosuppressants]
        return _unique(tuple(found))

    def _child_hip(self) -> None:
        if not self.state.child:
            return
        limp = [f for f in self.ctx.role("gait") if _asserted(f)]
        painful = [f for g in self.ctx.joints if g.site.joint in CHILD_JOINTS for f in g.facts]
        if limp and painful:
            self.add("child-hip", "urgent", facts=(*painful, *limp))

    def _neurology_escalates(self) -> None:
        """Known cancer or infection with a neurological symptom: emergency (NG234)."""
        if not NEURO_ESCALATES & self.flags.keys():
            return
        neuro = [
            f
            for f in self.ctx.role("neurological")
            if _asserted(f)
            and (f.progressive or f.start is None or self._within(f, self.rules.new_back_pain_days))
        ]
        if not neuro:
            return
        for flag in NEURO_ESCALATES & self.flags.keys():
            self.add(flag, "emergency", f"{flag}-emergency", tuple(neuro))

    def _result(self) -> tuple[tuple[RedFlag, ...], tuple[Fact, ...]]:
        flags = []
        for name, found in self.flags.items():
            facts = tuple(found.facts)
            back = self.new_back if name in NEEDS_NEW_BACK else ()
            start = _start((*facts, *back[:1]), found.measurements)
            flag = RedFlag(
                name,
                found.tier,
                facts,
                tuple(found.measurements),
                _related_back(facts, self.current_back),
                route=found.route,
                suspected=bool(facts) and all(f.assertion == "uncertain" for f in facts),
                start=start,
            )
            actioned = actioned_on(flag, self.ctx.facts.actions)
            flags.append(flag if actioned is None else replace(flag, actioned=actioned))
        flags.sort(key=_flag_order)
        flagged = {f.reference for r in flags for f in r.facts}
        stable = _unique(tuple([f for f in self.stable if f.reference not in flagged]))
        return tuple(flags), stable


def find_red_flags(
    ctx: Context, state: PatientState
) -> tuple[tuple[RedFlag, ...], tuple[Fact, ...]]:
    """Red flags, and long-standing findings that would be flags if new (ask about change)."""
    return _Finder(ctx, state).run()


def _flag_order(flag: RedFlag) -> tuple[bool, int]:
    """Not yet acted on first, then emergency before urgent."""
    return (flag.actioned is not None, -TIER_RANK[flag.tier])


def _asserted(f: Fact) -> bool:
    return not f.negated and f.assertion not in NOT_ASSERTED


def _unique(facts: tuple[Fact, ...]) -> tuple[Fact, ...]:
    """The last fact of each (reference, concept), in the place of the first."""
    unique: dict[tuple[str, str], Fact] = {}
    for f in facts:
        unique[f.reference, f.concept] = f
    return tuple(unique.values())


def _start(facts: tuple[Fact, ...], measurements: list[Measurement]) -> date | None:
    days = [f.start for f in facts] + [m.effective for m in measurements]
    known = [d for d in days if d is not None]
    return max(known) if known else None


def _related_back(facts: tuple[Fact, ...], back: tuple[Fact, ...]) -> tuple[Fact, ...]:
    refs = {f.reference for f in facts}
    return tuple(b for b in back if b.reference not in refs)
