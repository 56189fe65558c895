"""The five indicators of spinal origin (clinical-logic.md §3), checked for one joint."""

from __future__ import annotations

from cds.engine.context import Context, JointGroup, opposite, sides_compatible
from cds.engine.model import IndicatorResult, Level
from cds.facts import Fact


def check_indicators(
    ctx: Context, group: JointGroup, back: tuple[Fact, ...], radicular_joint: bool
) -> tuple[IndicatorResult, ...]:
    joint, side = group.site.joint, group.site.side
    limb = ctx.limb(joint)

    def relevant(f: Fact) -> bool:
        own = f.attrs.get("limb") or ctx.limb(f.joint)
        if own is not None and own != limb:
            return False
        if f.region is not None and radicular_joint:
            return joint in ctx.region_joints(f.region)
        return True

    radiating = [f for f in ctx.role("radiating") if relevant(f)]
    neuro = [f for f in ctx.role("neurological") if relevant(f)]
    neuro_absent = tuple(f for f in ctx.role("neurological", negated=True) if relevant(f))
    provoking = [f for f in ctx.role("provocation") if f.joint in (None, joint) and relevant(f)]
    provoking_absent = tuple(
        f for f in ctx.role("provocation", negated=True) if f.joint in (None, joint)
    )
    same_rad = tuple(f for f in radiating if sides_compatible(f.side, side))
    same_neuro = tuple(f for f in neuro if sides_compatible(f.side, side))
    same_prov = tuple(f for f in provoking if sides_compatible(f.side, side))
    both = radiating + neuro
    opposite_side = any(opposite(f.side, side) for f in both)
    sided = [f for f in both if f.side in ("left", "right")]
    unilateral = side in ("left", "right") and (not sided or any(f.side == side for f in sided))
    chronic = chronic_or_recurrent(ctx, back)
    return (
        IndicatorResult("radiating", bool(same_rad), same_rad),
        IndicatorResult("neurological", bool(same_neuro), same_neuro, neuro_absent),
        IndicatorResult("provocation", bool(same_prov), same_prov, provoking_absent),
        IndicatorResult(
            "unilateral",
            unilateral,
            group.facts if unilateral else (),
            note="opposite-side" if opposite_side and not unilateral else "",
        ),
        IndicatorResult("chronic-or-recurrent", bool(chronic), chronic),
    )


def chronic_or_recurrent(ctx: Context, back: tuple[Fact, ...]) -> tuple[Fact, ...]:
    limit = ctx.term.rules.chronic_days
    found: list[Fact] = []
    current = [b for b in back if b.current]
    history = [b for b in back if not b.current]
    for b in back:
        start = b.start
        if (
            b.attrs.get("chronic") == "true"
            or b.clinical_status in ("recurrence", "relapse")
            or (b.current and start is not None and (ctx.today - start).days > limit)
            or (not b.current and start and b.abatement and (b.abatement - start).days > limit)
        ):
            found.append(b)
    if current and history:
        found.extend(history)
        found.extend(current)
    unique: dict[tuple[str, str], Fact] = {(f.reference, f.concept): f for f in found}
    return tuple(unique.values())


def level_of(ctx: Context, indicators: tuple[IndicatorResult, ...]) -> Level | None:
    rules = ctx.term.rules
    present = [i for i in indicators if i.present]
    strong = any(rules.indicator(i.key).strong for i in present)
    if len(present) >= rules.warning_min_indicators and (strong or not rules.warning_needs_strong):
        return "warning"
    if len(present) >= rules.info_min_indicators:
        return "info"
    return None


def score_of(
    ctx: Context, indicators: tuple[IndicatorResult, ...], supporting: tuple[Fact, ...]
) -> float:
    rules = ctx.term.rules
    base = sum(rules.indicator(i.key).weight for i in indicators if i.present)
    for f in supporting:
        kind = "gait" if "gait" in f.roles else "posture"
        base += rules.supporting_weight[kind]
    return base
