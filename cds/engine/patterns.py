"""Which mechanism explains each painful joint (clinical-logic.md §2), merged per pattern."""

from __future__ import annotations

from dataclasses import dataclass

from cds.engine.context import Context, JointGroup, sides_compatible
from cds.engine.indicators import check_indicators, level_of, score_of
from cds.engine.inflammatory import ng65, spa_diagnoses
from cds.engine.model import Finding, IndicatorResult, Level, NG65Result, Pattern
from cds.facts import Fact

LEVEL_RANK = {"warning": 2, "info": 1}
PATTERN_ORDER: tuple[Pattern, ...] = ("inflammatory", "radicular", "biomechanical", "compensatory")
INFLAMMATORY_MARKERS = frozenset({"crp", "esr", "hla-b27"})
GROUP_ORDER: tuple[tuple[Pattern, str | None], ...] = tuple(
    (p, limb)
    for p in PATTERN_ORDER
    for limb in ((None,) if p == "inflammatory" else ("lower", "upper", None))
)
"""Findings in pattern order, then lower limb, upper limb, neither."""


@dataclass(slots=True)
class JointFinding:
    """One joint's best pattern; internal, not frozen: frozen costs four times as much to build
    (saves ~10 k instructions a candidate pattern)."""

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
    groups: dict[tuple[Pattern, str | None], list[JointFinding]] = {}
    for jf in per_joint:
        limb = None if jf.pattern == "inflammatory" else ctx.limb(jf.group.site.joint)
        groups.setdefault((jf.pattern, limb), []).append(jf)
    findings = [
        _merge(ctx, pattern, groups[pattern, limb], diagnoses, criteria)
        for pattern, limb in GROUP_ORDER
        if (pattern, limb) in groups
    ]
    findings.sort(key=_finding_rank)
    return tuple(findings)


def _finding_rank(f: Finding) -> tuple[int, float]:
    return (-LEVEL_RANK[f.level], -f.score)


def _assess(ctx: Context, group: JointGroup, inflammatory: bool) -> JointFinding | None:
    rules = ctx.term.rules
    joint = group.site.joint
    if inflammatory and joint in rules.pattern_joints["inflammatory"]:
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
        if joint not in rules.pattern_joints[key]:
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
        chosen = _choose(ctx, pattern, joint, indicators)
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
    ctx: Context, pattern: Pattern, joint: str, indicators: tuple[IndicatorResult, ...]
) -> Pattern | None:
    present = {i.key for i in indicators if i.present}
    if pattern == "biomechanical":
        return "biomechanical" if not present & {"radiating", "neurological"} else None
    if present & {"radiating", "neurological"}:
        return "radicular"
    compensatory = ctx.term.rules.pattern_joints["compensatory"]
    if joint in compensatory and "chronic-or-recurrent" in present:
        return "compensatory"
    return "radicular"


def _rank(jf: JointFinding) -> tuple[int, int, float]:
    specific = 1 if jf.pattern in ("biomechanical", "compensatory") else 0
    return (LEVEL_RANK[jf.level], specific, jf.score)


def _local_explanations(ctx: Context, group: JointGroup) -> tuple[Fact, ...]:
    explaining = ctx.role("local-explanation")
    if not explaining:
        return ()
    found = []
    regions = {b.region for b in ctx.back if b.current}
    for f in explaining:
        if group.site.joint not in _explains(ctx, f):
            continue
        if not sides_compatible(f.side, group.site.side):
            continue
        if regions & set(_unless(ctx, f)):
            continue
        found.append(f)
    return tuple(found)


def _explains(ctx: Context, fact: Fact) -> tuple[str, ...]:
    """The joints a local diagnosis explains: its own, or those its value set lists."""
    concept = ctx.term.concepts.get(fact.concept)
    joints = concept.multi.get("explains", ()) if concept else ()
    own = fact.attrs.get("joint", fact.joint)
    return joints or ((own,) if own else ())


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
    if len(members) == 1:  # one joint, nothing to merge: saves ~10 k instructions a finding
        only = members[0]
        indicators, back, level, score = only.indicators, only.back, only.level, only.score
    else:
        merged = zip(*[m.indicators for m in members], strict=True)
        indicators = tuple([_merge_indicator(results) for results in merged])
        back = _unique([m.back for m in members])
        level = max([m.level for m in members], key=LEVEL_RANK.__getitem__)
        score = max([m.score for m in members])
    region = _region(back, members, ctx.term.rules.upper_limb)
    inflammatory = pattern == "inflammatory"
    return Finding(
        pattern=pattern,
        sites=tuple([m.group.site for m in members]),
        region=region,
        level=level,
        score=score,
        indicators=indicators,
        back=back,
        joints=_unique([m.group.facts for m in members]),
        supporting=_unique([m.supporting for m in members]),
        local=_unique([m.local for m in members]),
        markers=tuple([m for m in ctx.facts.measurements if m.marker in INFLAMMATORY_MARKERS])
        if inflammatory
        else (),
        diagnoses=diagnoses if inflammatory else (),
        ng65=criteria if inflammatory else None,
        roots=ctx.term.maps.region_roots.get(region, ()),
        notes=tuple(sorted({i.note for i in indicators if i.note})),
    )


def _merge_indicator(results: tuple[IndicatorResult, ...]) -> IndicatorResult:
    first = results[0]
    present = [r.evidence for r in results if r.present]
    evidence = _unique(present)
    absent = _unique([r.checked_absent for r in results])
    return IndicatorResult(
        first.key,
        bool(present),
        evidence,
        absent,
        next((r.note for r in results if r.note), ""),
    )


def _region(back: tuple[Fact, ...], members: list[JointFinding], upper_limb: frozenset[str]) -> str:
    """The commonest region of the back complaints (the first of equals), else by the limb."""
    regions = [b.region for b in back if b.region and b.region != "unspecified"]
    if regions:
        return max(dict.fromkeys(regions), key=regions.count)
    upper = any(m.group.site.joint in upper_limb for m in members)
    return "cervical" if upper else "lumbar"


def _unique(groups: list[tuple[Fact, ...]]) -> tuple[Fact, ...]:
    """The facts of all groups, the first of each (reference, concept) kept."""
    facts = groups[0] if len(groups) == 1 else tuple(f for g in groups for f in g)
    if len(facts) < 2:
        return facts
    seen: dict[tuple[str, str], Fact] = {}
    for f in facts:
        seen.setdefault((f.reference, f.concept), f)
    return facts if len(seen) == len(facts) else tuple(seen.values())
