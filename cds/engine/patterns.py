"""Which mechanism explains each painful joint (clinical-logic.md §2), merged per pattern."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from cds.engine.context import Context, JointGroup, sides_compatible
from cds.engine.indicators import check_indicators, level_of, score_of
from cds.engine.inflammatory import ng65, spa_diagnoses
from cds.engine.model import Finding, IndicatorResult, Level, NG65Result, Pattern
from cds.facts import Fact

LEVEL_RANK = {"warning": 2, "info": 1}
PATTERN_ORDER: tuple[Pattern, ...] = ("inflammatory", "radicular", "biomechanical", "compensatory")
INFLAMMATORY_MARKERS = frozenset({"crp", "esr", "hla-b27"})


@dataclass(frozen=True, slots=True)
class JointFinding:
    pattern: Pattern
    group: JointGroup
    level: Level
    score: float
    indicators: tuple[IndicatorResult, ...]
    back: tuple[Fact, ...]
    supporting: tuple[Fact, ...]
    local: tuple[Fact, ...]


def find_patterns(ctx: Context) -> tuple[Finding, ...]:
    if not ctx.back:
        return ()
    diagnoses = spa_diagnoses(ctx)
    criteria = ng65(ctx)
    inflammatory = bool(diagnoses) or (criteria is not None and criteria.met)
    per_joint = [jf for g in ctx.joints if (jf := _assess(ctx, g, inflammatory)) is not None]
    findings = []
    for pattern in PATTERN_ORDER:
        for limb in ("lower", "upper", None):
            members = [
                jf
                for jf in per_joint
                if jf.pattern == pattern
                and (pattern == "inflammatory" or ctx.limb(jf.group.site.joint) == limb)
            ]
            if members:
                findings.append(_merge(ctx, pattern, members, diagnoses, criteria))
            if pattern == "inflammatory":
                break
    findings.sort(key=lambda f: (-LEVEL_RANK[f.level], -f.score))
    return tuple(findings)


def _assess(ctx: Context, group: JointGroup, inflammatory: bool) -> JointFinding | None:
    rules = ctx.term.rules
    joint = group.site.joint
    if inflammatory and joint in rules.pattern_joints.get("inflammatory", ()):
        back = tuple(b for b in ctx.back if b.region != "cervical") or ctx.back
        indicators = check_indicators(ctx, group, back, radicular_joint=False)
        return JointFinding(
            "inflammatory",
            group,
            "warning",
            score_of(ctx, indicators, ()),
            indicators,
            back,
            (),
            (),
        )
    radicular_back = ctx.back_for(None, joint)
    candidates: list[tuple[Pattern, tuple[Fact, ...], tuple[Fact, ...]]] = []
    if radicular_back:
        candidates.append(("radicular", radicular_back, ()))
    for key in ("biomechanicalLower", "biomechanicalShoulder"):
        if joint not in rules.pattern_joints.get(key, ()):
            continue
        back = ctx.back_for(rules.pattern_regions[key], joint)
        postures = tuple(
            f for f in ctx.role("posture") if f.attrs.get("posture") in rules.pattern_postures[key]
        )
        if back and postures:
            candidates.append(("biomechanical", back, postures))
    if not candidates:
        return None
    local = _local_explanations(ctx, group)
    best: JointFinding | None = None
    for pattern, back, supporting in candidates:
        indicators = check_indicators(ctx, group, back, radicular_joint=pattern == "radicular")
        chosen = _choose(ctx, pattern, joint, indicators, back)
        if chosen is None:
            continue
        extra = supporting
        if chosen == "compensatory":
            extra = ctx.role("gait")
        level = level_of(ctx, indicators)
        if level is None:
            continue
        if local:
            level = "info"
        jf = JointFinding(
            chosen, group, level, score_of(ctx, indicators, extra), indicators, back, extra, local
        )
        if best is None or _rank(jf) > _rank(best):
            best = jf
    return best


def _choose(
    ctx: Context,
    pattern: Pattern,
    joint: str,
    indicators: tuple[IndicatorResult, ...],
    back: tuple[Fact, ...],
) -> Pattern | None:
    present = {i.key for i in indicators if i.present}
    if pattern == "biomechanical":
        return "biomechanical" if not present & {"radiating", "neurological"} else None
    if present & {"radiating", "neurological"}:
        return "radicular"
    compensatory = ctx.term.rules.pattern_joints.get("compensatory", frozenset())
    if joint in compensatory and "chronic-or-recurrent" in present:
        return "compensatory"
    return "radicular"


def _rank(jf: JointFinding) -> tuple[int, int, float]:
    specific = 1 if jf.pattern in ("biomechanical", "compensatory") else 0
    return (LEVEL_RANK[jf.level], specific, jf.score)


def _local_explanations(ctx: Context, group: JointGroup) -> tuple[Fact, ...]:
    found = []
    regions = {b.region for b in ctx.back if b.current}
    for f in ctx.role("local-explanation"):
        if f.attrs.get("joint", f.joint) != group.site.joint:
            continue
        if not sides_compatible(f.side, group.site.side):
            continue
        if regions & set(_unless(ctx, f)):
            continue
        found.append(f)
    return tuple(found)


def _unless(ctx: Context, fact: Fact) -> tuple[str, ...]:
    concept = ctx.term.concepts.get(fact.concept)
    return concept.multi.get("unless-region", ()) if concept else ()


def _merge(
    ctx: Context,
    pattern: Pattern,
    members: list[JointFinding],
    diagnoses: tuple[Fact, ...],
    criteria: NG65Result | None,
) -> Finding:
    indicators = []
    for key_index, first in enumerate(members[0].indicators):
        results = [m.indicators[key_index] for m in members]
        present = [r for r in results if r.present]
        indicators.append(
            IndicatorResult(
                first.key,
                first.label,
                bool(present),
                _unique(f for r in present for f in r.evidence),
                _unique(f for r in results for f in r.checked_absent),
                next((r.note for r in results if r.note), ""),
            )
        )
    back = _unique(f for m in members for f in m.back)
    level: Level = max((m.level for m in members), key=lambda lv: LEVEL_RANK[lv])
    region = _region(back, members)
    inflammatory = pattern == "inflammatory"
    return Finding(
        pattern=pattern,
        sites=tuple(m.group.site for m in members),
        region=region,
        level=level,
        score=max(m.score for m in members),
        indicators=tuple(indicators),
        back=back,
        joints=_unique(f for m in members for f in m.group.facts),
        supporting=_unique(f for m in members for f in m.supporting),
        local=_unique(f for m in members for f in m.local),
        markers=tuple(m for m in ctx.facts.measurements if m.marker in INFLAMMATORY_MARKERS)
        if inflammatory
        else (),
        diagnoses=diagnoses if inflammatory else (),
        ng65=criteria if inflammatory else None,
        roots=ctx.term.maps.region_roots.get(region, ()),
        notes=tuple(sorted({i.note for i in indicators if i.note})),
    )


def _region(back: tuple[Fact, ...], members: list[JointFinding]) -> str:
    counts = Counter(b.region for b in back if b.region and b.region != "unspecified")
    if counts:
        return counts.most_common(1)[0][0]
    upper = any(m.group.site.joint in ("shoulder", "arm", "hand", "scapula") for m in members)
    return "cervical" if upper else "lumbar"


def _unique(facts: Iterable[Fact]) -> tuple[Fact, ...]:
    seen: dict[tuple[str, str], Fact] = {}
    for f in facts:
        seen.setdefault((f.reference, f.concept), f)
    return tuple(seen.values())
