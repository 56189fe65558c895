"""Draft lumbar spine imaging orders (order hooks): an exact lumbar X-ray, MRI or CT code, or a
lumbar bodySite with an imaging code or category. DXA scans and injections never count."""

from __future__ import annotations

from cds.facts.conditions import coding_display
from cds.facts.fhir.resources import ServiceRequestRead
from cds.facts.model import ImagingOrder
from cds.facts.orders import is_imaging
from cds.facts.select import match_codeable
from cds.facts.sites import body_site
from cds.terminology import CodeMatch, Terminology

LUMBAR_IMAGING = "lumbar-imaging"
IMAGING_MODALITY = "imaging-modality"
NOT_COUNTED = "imaging-not-counted"
MAX_LABEL = 80


def may_be_imaging(matches: tuple[CodeMatch, ...]) -> bool:
    """Worth validating as a draft order: its code alone can make it lumbar imaging."""
    return any(
        LUMBAR_IMAGING in m.concept.roles or IMAGING_MODALITY in m.concept.roles for m in matches
    )


def imaging_order(
    model: ServiceRequestRead,
    reference: str,
    matches: tuple[CodeMatch, ...],
    term: Terminology,
) -> ImagingOrder | None:
    if any(NOT_COUNTED in m.concept.roles for m in matches):
        return None
    match = _with_role(matches, LUMBAR_IMAGING)
    if match is None:
        if body_site(model.bodySite or (), term).region != "lumbar":
            return None
        match = _with_role(matches, IMAGING_MODALITY)
        if match is None and not is_imaging(model, term):
            return None
    modality, code, display = "imaging", "bodySite", ""
    if match is not None:
        modality = match.attrs.get("modality", modality)
        if match.confidence == "coded":
            code = f"{match.entry.system}|{match.entry.code}"
            display = coding_display(model.code, match)
    code_text = model.code.text if model.code is not None else None
    label = code_text or display or modality
    reasons = tuple(
        dict.fromkeys(
            m.concept.id
            for cc in model.reasonCode or ()
            for m in match_codeable(cc.as_json(), term)
            if "back-complaint" in m.concept.roles
        )
    )
    references = tuple(
        r.reference for r in model.reasonReference or () if r.reference and "/" in r.reference
    )
    return ImagingOrder(reference, modality, label[:MAX_LABEL], code, reasons, references)


def _with_role(matches: tuple[CodeMatch, ...], role: str) -> CodeMatch | None:
    return next((m for m in matches if role in m.concept.roles), None)
