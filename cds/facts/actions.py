"""ServiceRequests that act on a red flag: spinal imaging, urgent referrals (clinical-logic §4).

A red flag is "actioned" when one of these was recorded on or after the flag began. Read on the
raw JSON, field by field: status, priority, code, bodySite, category, date and reasons.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any, Literal

from cds.facts.fhir.dates import to_date
from cds.facts.select import match_codeable
from cds.terminology import Terminology

RECORDED = frozenset({"active", "completed", "on-hold"})
URGENT = frozenset({"urgent", "asap", "stat"})
SPINE_REGIONS = frozenset({"cervical", "thoracic", "lumbar", "sacral"})
CROSS_SECTION = frozenset({"mri", "ct"})
"""Lumbar imaging that acts on a red flag (a lumbar X-ray does not)."""
MAX_REASONS = 20

ActionKind = Literal["spinal-imaging", "referral", "other"]


@dataclass(frozen=True, slots=True)
class RedFlagAction:
    reference: str
    kind: ActionKind
    urgent: bool
    recorded: date | None
    reasons: frozenset[str]
    """The references of its reasonReference (e.g. "Condition/ces-1")."""


def action_kind(raw: dict[str, Any], term: Terminology) -> ActionKind:
    for match in match_codeable(raw.get("code"), term, text_with_standard_codes=True):
        if "red-flag-action" in match.concept.roles:
            return "spinal-imaging" if match.attrs.get("action") == "spinal-imaging" else "referral"
        if "lumbar-imaging" in match.concept.roles and match.attrs.get("modality") in CROSS_SECTION:
            return "spinal-imaging"
    if has_imaging_category(raw, term) and _spinal_site(raw, term):
        return "spinal-imaging"
    return "other"


def red_flag_action(raw: Any, reference: str, term: Terminology) -> RedFlagAction | None:
    """A recorded (not draft) request that can act on a red flag, else None."""
    if not isinstance(raw, dict) or not _one_of(raw.get("status"), RECORDED):
        return None
    kind = action_kind(raw, term)
    urgent = _one_of(raw.get("priority"), URGENT)
    reasons = _reasons(raw)
    if kind == "other" and not (urgent and reasons):
        return None
    return RedFlagAction(reference, kind, urgent, _recorded(raw), reasons)


def _one_of(value: Any, allowed: frozenset[str]) -> bool:
    return isinstance(value, str) and value in allowed


def _recorded(raw: dict[str, Any]) -> date | None:
    for key in ("authoredOn", "occurrenceDateTime"):
        found = to_date(raw.get(key))
        if found is not None:
            return found
    period = raw.get("occurrencePeriod")
    return to_date(period.get("start")) if isinstance(period, dict) else None


def _reasons(raw: dict[str, Any]) -> frozenset[str]:
    found = raw.get("reasonReference")
    if not isinstance(found, list):
        return frozenset()
    return frozenset(
        r["reference"]
        for r in found[:MAX_REASONS]
        if isinstance(r, dict) and isinstance(r.get("reference"), str)
    )


def has_imaging_category(raw: dict[str, Any], term: Terminology) -> bool:
    category = raw.get("category")
    if not isinstance(category, list):
        return False
    return any(
        "imaging-category" in m.concept.roles
        for cc in category[:10]
        for m in match_codeable(cc, term)
    )


def _spinal_site(raw: dict[str, Any], term: Terminology) -> bool:
    sites = raw.get("bodySite")
    if not isinstance(sites, list):
        return False
    for cc in sites[:10]:
        if not isinstance(cc, dict):
            continue
        for coding in cc.get("coding") or ():
            if not isinstance(coding, dict):
                continue
            system, code = coding.get("system"), coding.get("code")
            if not isinstance(system, str) or not isinstance(code, str):
                continue
            if term.maps.body_site_region.get((system, code)) in SPINE_REGIONS:
                return True
    return False
