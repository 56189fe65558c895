"""Red flags for serious spinal pathology (clinical-logic.md §4). They override everything."""

from __future__ import annotations

from cds.engine.context import Context
from cds.engine.model import RedFlag, Tier
from cds.facts import Fact, Measurement

TIER_RANK = {"emergency": 2, "urgent": 1}


def _tier(value: str | None) -> Tier:
    return "emergency" if value == "emergency" else "urgent"


def find_red_flags(ctx: Context) -> tuple[tuple[RedFlag, ...], tuple[Fact, ...]]:
    """Red flags, and long-standing findings that would be flags if new (ask about change)."""
    rules = ctx.term.rules
    current_back = tuple(b for b in ctx.back if b.current)
    new_back = tuple(
        b
        for b in current_back
        if b.start is not None and (ctx.today - b.start).days <= rules.new_back_pain_days
    )
    hits: dict[tuple[str, str], list[Fact]] = {}
    measurements: dict[str, list[Measurement]] = {}
    stable: list[Fact] = []
    tiers: dict[str, Tier] = {}

    def add(flag: str, tier: Tier, fact: Fact | None = None) -> None:
        tiers[flag] = max(tiers.get(flag, tier), tier, key=lambda t: TIER_RANK[t])
        bucket = hits.setdefault((flag, tier), [])
        if fact is not None and fact not in bucket:
            bucket.append(fact)

    for f in ctx.facts.facts:
        if f.negated or "red-flag" not in f.roles:
            continue
        rule = f.attrs.get("rule", "always")
        flag = f.attrs.get("flag", f.concept)
        tier = _tier(f.attrs.get("tier"))
        needs_back = f.attrs.get("requires-back") == "true"
        if needs_back and not current_back:
            continue
        verdict = _verdict(ctx, rule, f, bool(new_back))
        if verdict == "flag":
            add(flag, tier, f)
        elif verdict == "stable":
            stable.append(f)

    for f in ctx.role("neurological"):
        if f.progressive and current_back and "red-flag" not in f.roles:
            add("progressive-deficit", "urgent", f)

    if rules.bilateral_sciatica_is_cauda_equina:
        new_radicular = [
            f
            for f in ctx.role("radiating")
            if (f.region or "unspecified") in rules.cauda_equina_regions
            and (d := ctx.days_since(f.start)) is not None
            and d <= rules.new_neuro_days
        ]
        sides = {f.side for f in new_radicular}
        if "bilateral" in sides or {"left", "right"} <= sides:
            for f in new_radicular:
                add("cauda-equina", "emergency", f)

    if rules.thoracic_pain_is_red_flag:
        for f in current_back:
            if f.region == "thoracic":
                add("non-mechanical-pain", "urgent", f)

    if current_back:
        for m in ctx.facts.measurements:
            days = ctx.days_since(m.effective)
            recent = days is not None and days <= rules.fever_days
            if m.marker == "temperature" and m.abnormal and recent:
                measurements.setdefault("infection", []).append(m)
                add("infection", "urgent")

    flags = []
    for flag, tier in tiers.items():
        facts = tuple(f for (fl, _), fs in hits.items() if fl == flag for f in fs)
        flags.append(
            RedFlag(
                flag,
                tier,
                facts,
                tuple(measurements.get(flag, ())),
                _related_back(facts, current_back),
            )
        )
    flags.sort(key=lambda r: -TIER_RANK[r.tier])
    flagged = {f.reference for r in flags for f in r.facts}
    return tuple(flags), tuple(f for f in stable if f.reference not in flagged)


def _verdict(ctx: Context, rule: str, f: Fact, new_back: bool) -> str:
    """ "flag", "stable" (would be a flag if new) or "no" for one red-flag fact."""
    rules = ctx.term.rules
    days = ctx.days_since(f.start)
    if rule == "with-new-back-pain":
        return "flag" if new_back and _counts(f) else "no"
    if not f.current:
        return "no"
    if rule == "new":
        recent = days is not None and days <= rules.new_neuro_days
        return "flag" if f.progressive or recent else "stable"
    if rule == "recent":
        return "flag" if days is not None and days <= rules.fever_days else "no"
    return "flag" if rule in ("always", "with-back-pain") else "no"


def _counts(f: Fact) -> bool:
    """Current, or a past condition whose history matters (e.g. a treated cancer)."""
    return f.current or f.attrs.get("history") == "true"


def _related_back(facts: tuple[Fact, ...], back: tuple[Fact, ...]) -> tuple[Fact, ...]:
    refs = {f.reference for f in facts}
    return tuple(b for b in back if b.reference not in refs)
