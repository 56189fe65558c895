"""Findings → CDS Hooks cards (JSON-ready), at most `maxCards`, red flags first."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from datetime import date

from cds.cards.advice import (
    fitted_advice,
    order_links,
    physiotherapy_offer,
    spinal_assessment_offer,
)
from cds.cards.catalog import catalog
from cds.cards.describe import (
    EvidenceLine,
    capitalized,
    fact_line,
    measurement_line,
    sites_phrase,
)
from cds.cards.escape import plain
from cds.cards.imaging import imaging_card
from cds.cards.issued import IssuedCard
from cds.cards.red_flag import flag_label, flag_links, headline
from cds.cards.suggestions import Offer, reason_references, suggestion
from cds.cards.text import CardText, card_text
from cds.engine import Finding, Findings, OrderFinding, RedFlag
from cds.facts import Fact
from cds.facts.sites import combine_sides
from cds.protocol import Card
from cds.terminology import Terminology
from cds.types import Hook, Indicator, Topic

MAX_EVIDENCE_LINES = 12

__all__ = ["build_cards"]


class _Builder:
    def __init__(
        self,
        findings: Findings,
        term: Terminology,
        new_uuid: Callable[[], str],
        today: date,
        text: CardText,
    ) -> None:
        self.f = findings
        self.term = term
        self.new_uuid = new_uuid
        self.today = today
        self.text = text
        self.catalog = catalog(text, term)
        self.red = bool(findings.red_flags)

    def card(
        self,
        topic: Topic,
        indicator: Indicator,
        summary: str,
        detail: str,
        offers: list[Offer],
        reasons: tuple[str, ...],
        links: list[str],
        joints: tuple[str, ...],
        side: str,
        evidence: Iterable[str],
    ) -> IssuedCard:
        uuid = self.new_uuid()
        conditions = reason_references(reasons)
        suggestions = tuple(
            suggestion(
                o,
                patient_id=self.f.patient_id,
                conditions=conditions,
                text=self.text,
                catalog=self.catalog,
                new_uuid=self.new_uuid,
            )
            for o in self._allowed(offers)
        )
        wire = Card(
            uuid=uuid,
            summary=_clip(summary),
            indicator=indicator,
            detail=detail,
            source=self.catalog.sources[topic],
            suggestions=[s.wire for s in suggestions] or None,
            selectionBehavior="any" if suggestions else None,
            overrideReasons=list(self.catalog.override_reasons[topic]) or None,
            links=[self.catalog.links[key] for key in dict.fromkeys(links)] or None,
        )
        fingerprint = hashlib.sha256(
            "\n".join([topic, *sorted(set(evidence))]).encode()
        ).hexdigest()[:32]
        return IssuedCard(wire, suggestions, joints, side, fingerprint)

    def _allowed(self, offers: list[Offer]) -> list[Offer]:
        out = []
        for offer in offers:
            if offer.kind in self.f.existing_referrals:
                continue
            if self.red and offer.kind in ("physiotherapy", "spinal-assessment"):
                continue
            out.append(offer)
        return out

    def existing(self) -> list[str]:
        words = self.text.section("suggestions")
        return [
            f"{words[r.kind]['text']} ({r.status}, `{plain(r.reference)}`)"
            for r in self.f.referrals
            if r.kind in words
        ]

    def evidence_lines(self, facts: Iterable[Fact]) -> list[EvidenceLine]:
        """One line per resource (a free-text entry may carry several concepts)."""
        lines: dict[str, EvidenceLine] = {}
        more = 0
        for f in facts:
            if f.reference in lines:
                continue
            if len(lines) >= MAX_EVIDENCE_LINES:
                more += 1
                continue
            lines[f.reference] = fact_line(self.text, f, self.today)
        out = list(lines.values())
        if more:
            out.append(EvidenceLine(f"… and {more} more in the record", ""))
        return out

    def notes(self, finding: Finding) -> list[str]:
        notes = [self.text.word("notes", n) for n in finding.notes]
        if finding.low_confidence:
            notes.append(self.text.word("notes", "low-confidence"))
        return notes

    def red_flag_card(self) -> IssuedCard:
        flags = self.f.red_flags
        state = self.f.state
        open_flags = [r for r in flags if r.actioned is None]
        labels = ", ".join(flag_label(self.text, r) for r in (open_flags or flags))
        tier = "emergency" if any(r.tier == "emergency" for r in open_flags) else "urgent"
        if open_flags:
            summary = self.text.summary(
                "red-flag", flags=labels, action=self.text.word("tiers", tier)
            )
            offers = [
                Offer(
                    "urgent-assessment",
                    True,
                    "emergency" if tier == "emergency" else "",
                    note=" ".join(
                        dict.fromkeys(self.text.word("flagActions", r.route) for r in open_flags)
                    ),
                )
            ]
        else:
            actioned = min(r.actioned for r in flags if r.actioned is not None)
            summary = self.text.summary("red-flag-actioned", flags=labels, date=actioned)
            offers = []
        concern = set(self.text.section("ageConcernFlags"))
        imaging = set(self.text.section("imagingFlags"))
        detail = self.text.detail(
            "red-flag",
            flags=[self._flag_view(r) for r in flags],
            age_concern=self.f.age_concern and any(r.flag in concern for r in flags),
            pregnant=bool(state and state.pregnant) and any(r.flag in imaging for r in flags),
            notes=[self.text.word("notes", "low-confidence")]
            if any(f.confidence == "text" for r in flags for f in r.facts)
            else [],
            afterwards=headline(self.text, self.f.findings[0]) if self.f.findings else "",
        )
        reasons = tuple(f.reference for r in flags for f in (*r.facts, *r.back))
        evidence = [f"{f.reference}|{f.code}" for r in flags for f in r.facts]
        evidence += [m.reference for r in flags for m in r.measurements]
        evidence += [f"actioned|{r.flag}" for r in flags if r.actioned is not None]
        return self.card(
            "red-flag",
            "critical" if open_flags else "info",
            summary,
            detail,
            offers,
            reasons,
            flag_links(self.text, flags),
            (),
            "unknown",
            evidence,
        )

    def _flag_view(self, flag: RedFlag) -> dict[str, object]:
        lines = self.evidence_lines(flag.facts)
        lines += [measurement_line(self.text, m) for m in flag.measurements]
        lines += self.evidence_lines(flag.back[:2])
        return {
            "label": flag_label(self.text, flag),
            "tier": self.text.word("tiers", flag.tier),
            "action": self.text.word("flagActions", flag.route),
            "actioned": flag.actioned.isoformat() if flag.actioned else "",
            "evidence": lines,
        }

    def finding_card(self, finding: Finding) -> IssuedCard:
        text = self.text
        joints_phrase = sites_phrase(text, finding.sites, capital=False)
        sites = capitalized(joints_phrase)
        region = text.word("regions", finding.region)
        inflammatory = finding.pattern == "inflammatory"
        mechanism = text.mechanism(finding.pattern, region=region, joints=joints_phrase)
        facts = finding.evidence
        advice = fitted_advice(text, self.term.rules, self.f, finding, facts)
        if inflammatory:
            summary = text.summary_of_words("inflammatory", sites=sites)
        elif finding.picture is not None:
            summary = text.summary_of_words(finding.picture, sites=sites, region=region)
        elif finding.local:
            local = " / ".join(dict.fromkeys(self._concept_title(f) for f in finding.local))
            summary = text.summary("local", sites=sites, local=local, region=region)
            if len(summary) > 140:
                summary = text.summary(
                    "local", sites=sites, local="local joint disease", region=region
                )
        else:
            summary = text.summary_of_words(finding.pattern, sites=sites, region=region)
        joints = {site.joint for site in finding.sites}
        pain = [
            measurement_line(text, m)
            for m in self.f.pain_scores
            if m.joint in joints or (m.joint is None and m.region is None)
        ][:3]
        common = {
            "mechanism": mechanism,
            "evidence": self.evidence_lines(facts) + pain,
            "notes": self.notes(finding),
            "existing": self.existing(),
        }
        reasons = tuple(f.reference for f in facts if not f.negated)
        evidence = [f"{f.reference}|{f.code}" for f in facts]
        links = list(advice.links)
        if inflammatory:
            detail = text.detail(
                "inflammatory-pattern",
                diagnoses=[_cited(f) for f in finding.diagnoses],
                ng65=self._ng65_view(finding),
                markers=[
                    f"{line.label} (`{line.reference}`)"
                    for line in (measurement_line(text, m) for m in finding.markers)
                ],
                **common,
            )
            offers = [Offer("rheumatology", True), Offer("physiotherapy", False)]
            topic: Topic = "inflammatory-pattern"
            indicator: Indicator = "warning"
            evidence += [m.reference for m in finding.markers]
        else:
            state = self.f.state
            age = state.age if state else None
            detail = text.detail(
                "spinal-origin",
                level=finding.level,
                region=region,
                picture=finding.picture or "",
                myeloma=age is not None and age >= self.term.rules.myeloma_age,
                advice=advice,
                roots=_roots(finding.roots) if finding.pattern == "radicular" else "",
                local=[_cited(f) for f in finding.local],
                present=[text.word("indicators", i.key) for i in finding.present],
                absent=[text.word("indicators", i.key) for i in finding.absent],
                checked=self.evidence_lines(
                    f for i in finding.indicators for f in i.checked_absent
                ),
                stable=[_cited(f) for f in self.f.stable],
                **common,
            )
            offers = [spinal_assessment_offer(finding, advice)]
            if finding.picture != "pmr":
                offers.append(physiotherapy_offer(self.f, finding, advice))
            topic = "spinal-origin"
            indicator = finding.level
        return self.card(
            topic,
            indicator,
            summary,
            detail,
            offers,
            reasons,
            links,
            tuple(s.joint for s in finding.sites),
            combine_sides([s.side for s in finding.sites]),
            evidence,
        )

    def _concept_title(self, fact: Fact) -> str:
        concept = self.term.concepts.get(fact.concept)
        title = concept.title if concept else fact.label
        return title[:1].lower() + title[1:]

    def _ng65_view(self, finding: Finding) -> dict[str, object] | None:
        ng = finding.ng65
        if ng is None or (finding.diagnoses and not ng.met):
            return None
        months = (ng.duration_days or 0) // 30
        return {
            "duration": f"for about {months} months" if months else "recent",
            "onset_age": ng.onset_age if ng.onset_age is not None else "unknown",
            "features": [self.text.word("ng65Features", k) for k in ng.features],
            "hla": {True: "positive", False: "negative", None: ""}[ng.hla_b27],
        }

    def order_card(self, orders: tuple[OrderFinding, ...]) -> IssuedCard:
        text = self.text
        sites = tuple(dict.fromkeys(s for o in orders for s in o.sites))
        phrase = sites_phrase(text, sites, capital=False)
        kind = orders[0].order.kind
        summary = text.summary_of_words(f"order-{kind}", sites=phrase)
        findings = tuple({id(o.finding): o.finding for o in orders}.values())
        main = findings[0]
        region = text.word("regions", main.region)
        facts = tuple(
            {(f.reference, f.concept): f for fd in findings for f in fd.evidence}.values()
        )
        advice = fitted_advice(text, self.term.rules, self.f, main, main.evidence)
        detail = text.detail(
            "order-spinal-origin",
            advice=advice,
            orders=[f"{plain(o.order.label)} (`{o.order.reference}`)" for o in orders],
            sites=phrase,
            mechanism=text.mechanism(main.pattern, region=region, joints=phrase),
            evidence=self.evidence_lines(facts),
            present=[text.word("indicators", i.key) for i in main.present],
            absent=[text.word("indicators", i.key) for i in main.absent],
            checked=self.evidence_lines(f for i in main.indicators for f in i.checked_absent),
            existing=self.existing(),
        )
        return self.card(
            "order-spinal-origin",
            "warning",
            summary,
            detail,
            [
                spinal_assessment_offer(main, advice),
                physiotherapy_offer(self.f, main, advice),
            ],
            tuple(f.reference for f in facts if not f.negated),
            list(order_links(main)),
            tuple(s.joint for s in sites),
            combine_sides([s.side for s in sites]),
            [f"{f.reference}|{f.code}" for f in facts] + [o.order.reference for o in orders],
        )


def _cited(fact: Fact) -> str:
    return f"{plain(fact.label)} (`{fact.reference}`)"


def _roots(roots: tuple[str, ...]) -> str:
    if not roots:
        return ""
    if len(roots) == 1:
        return f"{roots[0]} roots"
    return f"{roots[0]}\u2013{roots[-1]} roots"


def _clip(summary: str) -> str:
    return summary if len(summary) <= 140 else summary[:139].rstrip() + "\u2026"


def build_cards(
    findings: Findings,
    hook: Hook,
    term: Terminology,
    new_uuid: Callable[[], str],
    today: date,
    text: CardText | None = None,
) -> list[IssuedCard]:
    builder = _Builder(findings, term, new_uuid, today, text or card_text())
    if findings.red_flags:
        emergency = any(r.tier == "emergency" and r.actioned is None for r in findings.red_flags)
        shown = hook == "patient-view" or findings.order_scope or emergency
        return [builder.red_flag_card()] if shown else []
    cards: list[IssuedCard] = []
    if hook == "patient-view":
        cards.extend(builder.finding_card(f) for f in findings.findings)
    elif findings.orders:
        cards.append(builder.order_card(findings.orders))
    if findings.imaging is not None:
        cards.append(imaging_card(builder, findings.imaging))
    return cards[: term.rules.max_cards]
