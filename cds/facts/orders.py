"""ServiceRequests: existing referrals (suppress repeat suggestions) and draft joint orders."""

from __future__ import annotations

from cds.facts.fhir.resources import ServiceRequestRead
from cds.facts.labels import shortened
from cds.facts.model import DraftOrder, OrderSite, Referral
from cds.facts.select import match_codeable
from cds.facts.sites import as_side, body_site
from cds.terminology import CodeMatch, Terminology

OPEN_STATUSES = frozenset({"active", "draft", "on-hold"})


def referral_kinds(matches: tuple[CodeMatch, ...]) -> list[str]:
    return [m.attrs["kind"] for m in matches if "referral" in m.concept.roles and "kind" in m.attrs]


def existing_referrals(
    model: ServiceRequestRead, reference: str, matches: tuple[CodeMatch, ...]
) -> list[Referral]:
    status = str(model.status or "")
    if status not in OPEN_STATUSES:
        return []
    return [Referral(reference, kind, status) for kind in referral_kinds(matches)]


def is_imaging(model: ServiceRequestRead, term: Terminology) -> bool:
    for cc in model.category or ():
        for match in match_codeable(cc.as_json(), term):
            if "imaging-category" in match.concept.roles:
                return True
    return False


def draft_order(
    model: ServiceRequestRead,
    reference: str,
    matches: tuple[CodeMatch, ...],
    term: Terminology,
) -> DraftOrder | None:
    watched = [m for m in matches if "order-watched" in m.concept.roles]
    kind = watched[0].attrs.get("kind") if watched else None
    if kind is None and is_imaging(model, term):
        kind = "imaging"
    if kind is None:
        return None
    code_text = model.code.text if model.code is not None else None
    sites = _sites(model, watched, code_text, term)
    reasons = tuple(
        r.reference for r in model.reasonReference or () if r.reference and "/" in r.reference
    )
    if not sites and not reasons:
        return None
    label = code_text or (watched[0].entry.display if watched else "") or kind
    return DraftOrder(reference, kind, shortened(label, 80), sites, reasons)


def _sites(
    model: ServiceRequestRead,
    watched: list[CodeMatch],
    code_text: str | None,
    term: Terminology,
) -> tuple[OrderSite, ...]:
    body = body_site(model.bodySite or (), term)
    joint = next((m.attrs["joint"] for m in watched if "joint" in m.attrs), None)
    side = as_side(next((m.attrs["side"] for m in watched if "side" in m.attrs), None))
    joint = joint or body.joint or (term.keywords.joint_of(code_text) if code_text else None)
    if side == "unknown":
        side = body.side
    if side == "unknown" and code_text:
        side = as_side(term.keywords.side_of(code_text))
    sites: list[OrderSite] = []
    if joint is not None:
        sites.append(OrderSite(joint, side))
    for cc in model.reasonCode or ():
        for match in match_codeable(cc.as_json(), term):
            reason_joint = match.attrs.get("joint")
            if "joint-complaint" in match.concept.roles and reason_joint:
                reason_side = as_side(match.attrs.get("side") or match.side)
                site = OrderSite(reason_joint, reason_side)
                if site not in sites:
                    sites.append(site)
    return tuple(sites)
