"""Likelier explanations the record does not yet name (clinical-logic.md §2): a polymyalgia
rheumatica picture, pelvic girdle pain in pregnancy. The card is then `info` and names it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from cds.engine.context import Context, JointGroup
from cds.engine.indicators import check_indicators, score_of
from cds.engine.model import Finding, JointSite, PatientState
from cds.facts import Measurement

PMR_JOINTS = frozenset({"shoulder", "hip"})
PELVIC_JOINTS = frozenset({"si-joint", "buttock", "hip"})


def with_pictures(
    ctx: Context, state: PatientState, findings: tuple[Finding, ...]
) -> tuple[Finding, ...]:
    """Findings with their picture named; where back pain and the joints meet with no finding
    (no indicator of spinal origin), a finding of its own so that the picture is named."""
    girdle = any(_girdle(g.site) for g in ctx.joints)
    pmr = girdle and _pmr_picture(ctx, state)
    pelvic = state.pregnant and not _pelvic_recorded(ctx)
    if not pmr and not pelvic:
        return findings
    covered = {s.joint for f in findings for s in f.sites}
    extra = _uncovered(ctx, "pmr", covered, lambda g: _girdle(g.site)) if pmr else []
    if pelvic:
        extra += _uncovered(ctx, "pelvic-girdle-pain", covered, lambda g: _pelvic(g.site))
    out = []
    for finding in findings:
        joints = {s.joint for s in finding.sites}
        picture = None
        if finding.pattern != "inflammatory" and not finding.local:
            if pmr and _bilateral_girdle(finding):
                picture = "pmr"
            elif pelvic and joints & PELVIC_JOINTS:
                picture = "pelvic-girdle-pain"
        if picture is None:
            out.append(finding)
            continue
        out.append(replace(finding, picture=picture, level="info"))
    return (*out, *extra)


def _uncovered(
    ctx: Context, picture: str, covered: set[str], fits: Callable[[JointGroup], bool]
) -> list[Finding]:
    groups = [g for g in ctx.joints if fits(g) and g.site.joint not in covered]
    back = tuple(b for b in ctx.back if b.current)
    if not groups or not back:
        return []
    results = [check_indicators(ctx, g, back, radicular_joint=False) for g in groups]
    indicators = results[0]
    region = next((b.region for b in back if b.region and b.region != "unspecified"), None)
    return [
        Finding(
            pattern="radicular",
            sites=tuple(g.site for g in groups),
            region=region or ("cervical" if picture == "pmr" else "lumbar"),
            level="info",
            score=score_of(ctx, indicators, ()),
            indicators=indicators,
            back=back,
            joints=tuple(f for g in groups for f in g.facts),
            picture=picture,
        )
    ]


def _girdle(site: JointSite) -> bool:
    return site.joint in PMR_JOINTS and site.side == "bilateral"


def _pelvic(site: JointSite) -> bool:
    return site.joint in PELVIC_JOINTS


def _bilateral_girdle(finding: Finding) -> bool:
    return any(_girdle(s) for s in finding.sites)


def _pelvic_recorded(ctx: Context) -> bool:
    return any(f.concept == "pelvic-girdle-pain" for f in ctx.role("local-explanation"))


def _pmr_picture(ctx: Context, state: PatientState) -> bool:
    """Age 50 or over and a raised ESR (sex- and age-adjusted) or CRP, with no PMR recorded."""
    rules = ctx.term.rules
    age = state.age
    if age is None or age < rules.pmr_age or ctx.role("pmr"):
        return False
    esr_limit = age / 2 if state.sex == "male" else (age + 10) / 2
    esr = _latest(ctx, "esr")
    crp = _latest(ctx, "crp")
    raised_esr = esr is not None and esr.value is not None and esr.value > esr_limit
    raised_crp = crp is not None and crp.value is not None and crp.value > rules.pmr_crp
    return raised_esr or raised_crp


def _latest(ctx: Context, marker: str) -> Measurement | None:
    found = [m for m in ctx.facts.measurements if m.marker == marker]
    dated = sorted(found, key=lambda m: (m.effective is not None, m.effective))
    return dated[-1] if dated else None
