"""The five indicators of spinal origin (clinical-logic.md §3), checked for one joint."""

from __future__ import annotations

from collections.abc import Callable

from cds.engine.context import Context, JointGroup, sides_compatible
from cds.engine.model import IndicatorResult, Level
from cds.facts import Fact, Side

LEFT_RIGHT = frozenset({"left", "right"})


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

    def provokes(f: Fact) -> bool:
        return f.joint in (None, joint) and relevant(f)

    radiating, same_rad = _split(ctx.role("radiating"), relevant, side)
    neuro, same_neuro = _split(ctx.role("neurological"), relevant, side)
    _, same_prov = _split(ctx.role("provocation"), provokes, side)
    neuro_absent = tuple([f for f in ctx.role("neurological", negated=True) if relevant(f)])
    provoking_absent = tuple(
        [f for f in ctx.role("provocation", negated=True) if f.joint in (None, joint)]
    )
    sided = {f.side for f in (*radiating, *neuro)} & LEFT_RIGHT
    unilateral = side in LEFT_RIGHT and (not sided or side in sided)
    opposite_side = side in LEFT_RIGHT and bool(sided - {side})
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


def _split(
    facts: tuple[Fact, ...], keep: Callable[[Fact], bool], side: Side
) -> tuple[list[Fact], tuple[Fact, ...]]:
    """The facts `keep` accepts, and those of them on a side compatible with `side`."""
    kept: list[Fact] = []
    same: list[Fact] = []
    for f in facts:
        if keep(f):
            kept.append(f)
            if sides_compatible(f.side, side):
                same.append(f)
    return kept, tuple(same)


def chronic_or_recurrent(ctx: Context, back: tuple[Fact, ...]) -> tuple[Fact, ...]:
    limit = ctx.term.rules.chronic_days
    found: list[Fact] = []
    current: list[Fact] = []
    history: list[Fact] = []
    for b in back:
        if b.current:
            current.append(b)
        else:
            history.append(b)
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
    unique: dict[tuple[str, str], Fact] = {}
    for f in found:
        unique[f.reference, f.concept] = f  # the last of equals, in the first one's place
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
    base: float = 0  # stays the int 0 when no indicator is present
    for i in indicators:
        if i.present:
            base += rules.indicator(i.key).weight
    for f in supporting:
        kind = "gait" if "gait" in f.roles else "posture"
        base += rules.supporting_weight[kind]
    return base
