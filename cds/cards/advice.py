"""Advice fitted to the patient (clinical-logic.md §2, §5): the examination for the region,
safety-netting, STarT Back, NSAIDs, pregnancy, and which links and offers apply."""

from __future__ import annotations

from dataclasses import dataclass

from cds.cards.suggestions import Offer
from cds.cards.text import CardText
from cds.engine import Finding, Findings, PatientState
from cds.engine.model import StartBack
from cds.facts import Fact
from cds.terminology.rules import Rules


@dataclass(frozen=True, slots=True)
class Advice:
    """What a spinal-origin or order card says and offers for this patient."""

    lower: bool
    """Lower limb from the lumbar spine; else upper limb from the neck or thoracic spine."""
    assess: str
    hip: str
    safety_net: str
    """Cauda equina safety-netting, for sciatica; empty when it does not apply."""
    stratification: str
    nsaid: str
    pregnant: bool
    links: tuple[str, ...]


def fitted_advice(
    text: CardText, rules: Rules, findings: Findings, finding: Finding, evidence: tuple[Fact, ...]
) -> Advice:
    """`evidence` is the finding's (`finding.evidence`, which the caller has already gathered)."""
    state = findings.state
    lower = finding.region not in rules.upper_regions
    joints = {s.joint for s in finding.sites}
    sciatica = any(
        "radiating" in f.roles and (f.region or "unspecified") in rules.lower_back_regions
        for f in evidence
    )
    return Advice(
        lower=lower,
        assess=text.word("assess", "lower" if lower else "upper"),
        hip=text.word("assess", "hip") if lower and joints & rules.hip_referred else "",
        safety_net=text.word("assess", "safety-net") if lower and sciatica else "",
        stratification=_stratification(text, findings) if lower else "",
        nsaid=_nsaid(text, state),
        pregnant=bool(state and state.pregnant),
        links=_links(finding),
    )


def _links(finding: Finding) -> tuple[str, ...]:
    if finding.pattern == "inflammatory":
        return ("ng65",)
    if finding.region == "cervical":
        return ("cks-cervical",)
    if finding.region == "thoracic":
        return ()
    return ("ng59",)


def order_links(finding: Finding) -> tuple[str, ...]:
    return _links(finding)


def _stratification(text: CardText, findings: Findings) -> str:
    risk = findings.risk
    if risk is not None:
        return text.summary(
            "start-back",
            total=f"{risk.total:g}",
            risk=text.word("risks", risk.risk),
            date=risk.effective.isoformat() if risk.effective else "",
            advice=text.word("riskAdvice", risk.risk),
        )
    return text.word("riskAdvice", "unscored") if findings.stratify else ""


def _nsaid(text: CardText, state: PatientState | None) -> str:
    barriers = state.nsaid_barriers if state else ("medicines-unavailable",)
    if not barriers:
        return text.word("painRelief", "with-nsaid")
    reasons = [text.word("nsaidBarriers", b) for b in barriers]
    return text.summary("no-nsaid", reasons=_join(reasons))


def physiotherapy_offer(findings: Findings, finding: Finding, advice: Advice) -> Offer:
    """Recommended for medium or high STarT Back risk; not at low risk; without a score only
    for a strong (`warning`) lumbar pattern. Never over a likelier local explanation."""
    local = bool(finding.local) or finding.picture is not None
    risk: StartBack | None = findings.risk if advice.lower else None
    if local:
        recommended = False
    elif risk is not None:
        recommended = risk.risk != "low"
    else:
        recommended = finding.level == "warning"
    variant = ""
    if advice.pregnant:
        variant = "pelvic-health"
    elif risk is not None:
        variant = {"low": "low-risk", "high": "high-risk", "medium": "medium-risk"}.get(
            risk.risk, ""
        )
    return Offer("physiotherapy", recommended, variant)


def spinal_assessment_offer(finding: Finding, advice: Advice) -> Offer:
    recommended = not finding.local and finding.picture is None
    return Offer("spinal-assessment", recommended, "" if advice.lower else "upper")


def _join(words: list[str]) -> str:
    if len(words) <= 1:
        return "".join(words)
    return ", ".join(words[:-1]) + " and " + words[-1]
