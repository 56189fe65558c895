"""The lumbar imaging card (clinical-logic.md §6), from the imaging scenarios changed one fact at
a time: each change shows which fact decides the outcome."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from markdown_it import MarkdownIt
from pydantic import ValidationError

from cds.api.openapi import Card
from cds.data.scenarios import FIXTURES_NOW, load_scenarios
from cds.evaluation import evaluate
from cds.types import JSON
from tests.support.scenarios import record_from_request

SCENARIOS = {s.slug: s for s in load_scenarios()}
CPT = "http://www.ama-assn.org/go/cpt"
TOPIC = "imaging-appropriateness"


def request(name: str) -> JSON:
    return copy.deepcopy(SCENARIOS[name].request)


def cards(req: JSON) -> list[JSON]:
    hook = req["hook"]
    return [c.card for c in evaluate(record_from_request(req), hook, FIXTURES_NOW).cards]


def imaging(req: JSON) -> list[JSON]:
    return [c for c in cards(req) if c["source"]["topic"]["code"] == TOPIC]


def conditions(req: JSON) -> list[JSON]:
    entries: list[JSON] = req["prefetch"]["conditions"]["entry"]
    return entries


def without_condition(req: JSON, code: str) -> JSON:
    """`req` without its Conditions coded (or, for text-only ones, worded) `code`."""
    req["prefetch"]["conditions"]["entry"] = [
        e for e in conditions(req) if code not in str(e["resource"]["code"])
    ]
    return req


def draft(req: JSON) -> JSON:
    order: JSON = req["context"]["draftOrders"]["entry"][0]["resource"]
    return order


def with_code(req: JSON, code: str) -> JSON:
    draft(req)["code"] = {"coding": [{"system": CPT, "code": code}]}
    return req


def onsets(req: JSON, code: str, **dates: str) -> JSON:
    for entry in conditions(req):
        if code in str(entry["resource"]["code"]):
            entry["resource"].update(dates)
    return req


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("imaging-exclusion-cancer-history", "Z85.3"),
        ("imaging-exclusion-trauma-within-twelve-months", "W19"),
        ("imaging-exclusion-iv-drug-use-within-twelve-months", "F11.20"),
        ("imaging-exclusion-neurological-deficit", "M21.372"),
        ("imaging-exclusion-immunosuppression-transplant", "Z94.0"),
        ("imaging-exclusion-long-term-steroids", "Z79.52"),
        ("imaging-exclusion-previous-lumbar-surgery", "microdiscectomy"),
    ],
)
def test_without_the_exclusion_the_card_is_shown(name: str, code: str) -> None:
    assert cards(request(name)) == []
    assert [c["indicator"] for c in imaging(without_condition(request(name), code))] in (
        ["warning"],
        ["info"],
    )


def test_spondyloarthritis_is_an_exclusion_not_a_missing_back_complaint() -> None:
    req = request("imaging-exclusion-spondyloarthritis")
    assert cards(req) == []
    conditions(req)[0]["resource"]["code"]["coding"][0]["code"] = "M54.50"
    assert len(imaging(req)) == 1


@pytest.mark.parametrize(
    "name",
    [
        "imaging-dxa-lumbar-body-site-no-card",
        "imaging-injection-lumbar-body-site-no-card",
        "imaging-cervical-mri-no-card",
        "imaging-thoracic-mri-no-card",
        "imaging-pelvis-xray-no-card",
    ],
)
def test_the_same_patient_with_a_lumbar_mri_gets_the_card(name: str) -> None:
    assert cards(request(name)) == []
    assert len(imaging(with_code(request(name), "72148"))) == 1


@pytest.mark.parametrize("code", ["721", "7214", "72148X", "072148", "72148 "])
def test_lumbar_codes_match_exactly_never_by_prefix(code: str) -> None:
    req = request("imaging-order-sign-lumbar-mri-chronic-low-back-pain")
    draft(req).pop("category")
    assert imaging(with_code(req, code)) == []


def test_a_lumbar_body_site_needs_an_imaging_code_or_category() -> None:
    req = request("imaging-body-site-snomed-mri")
    draft(req)["code"]["coding"][0]["code"] = "71388002"  # a procedure, not an imaging modality
    assert imaging(req) == []
    draft(req)["category"] = [
        {"coding": [{"system": "http://snomed.info/sct", "code": "363679005"}]}
    ]
    assert len(imaging(req)) == 1
    draft(req).pop("bodySite")
    assert imaging(req) == []


@pytest.mark.parametrize(
    ("onset", "indicator"), [("2026-04-20", "info"), ("2026-04-21", "warning")]
)
def test_radicular_pain_of_six_weeks_or_more_gives_info(onset: str, indicator: str) -> None:
    req = onsets(request("imaging-radicular-six-weeks-info"), "M54.41", onsetDateTime=onset)
    [card] = imaging(req)
    assert card["indicator"] == indicator
    recommended = [s["isRecommended"] for s in card["suggestions"]]
    assert recommended == ([True, False] if indicator == "warning" else [False, False])


@pytest.mark.parametrize(("abatement", "shown"), [("2025-06-02", False), ("2025-05-31", True)])
def test_trauma_counts_for_twelve_months(abatement: str, shown: bool) -> None:
    req = onsets(
        request("imaging-exclusion-trauma-within-twelve-months"),
        "W19",
        onsetDateTime=abatement,
        abatementDateTime=abatement,
    )
    assert bool(imaging(req)) is shown


def test_cancer_counts_however_long_ago() -> None:
    req = onsets(
        request("imaging-exclusion-cancer-history"),
        "Z85.3",
        onsetDateTime="1990-01-01",
        recordedDate="1990-01-01",
    )
    assert cards(req) == []


def cms166(req: JSON) -> bool:
    [card] = imaging(req)
    return any("CMS166" in link["label"] for link in card["links"])


@pytest.mark.parametrize(
    ("birth", "onset", "cited"),
    [
        ("1976-06-01", "2026-05-18", True),  # 50 today
        ("1975-06-01", "2026-05-18", False),  # 51
        ("2008-06-01", "2026-05-18", True),  # 18
        ("2008-06-02", "2026-05-18", False),  # 17
        ("1991-09-14", "2026-05-04", True),  # diagnosed 28 days ago
        ("1991-09-14", "2026-05-03", False),  # 29 days ago
    ],
)
def test_cms166_is_cited_only_for_its_population(birth: str, onset: str, cited: bool) -> None:
    req = request("imaging-order-select-lumbar-mri-new-low-back-pain")
    req["prefetch"]["patient"]["birthDate"] = birth
    onsets(req, "M54.50", onsetDateTime=onset, recordedDate=onset)
    assert cms166(req) is cited


@pytest.mark.parametrize(("abated", "cited"), [("2025-11-26", False), ("2025-11-25", True)])
def test_cms166_needs_no_low_back_pain_in_the_180_days_before(abated: str, cited: bool) -> None:
    """This episode began 2026-05-25; 180 days before it is 2025-11-26."""
    req = request("imaging-order-select-lumbar-xray-bending-views")
    for entry in conditions(req):
        if entry["resource"].get("abatementDateTime"):
            entry["resource"].update(onsetDateTime="2025-10-01", abatementDateTime=abated)
    assert cms166(req) is cited


def test_only_adults_sixteen_or_over() -> None:
    req = request("imaging-under-sixteen-no-card")
    assert cards(req) == []
    req["prefetch"]["patient"]["birthDate"] = "2010-06-01"
    assert len(imaging(req)) == 1


def test_no_low_back_complaint_no_card() -> None:
    req = request("imaging-pama-sandbox-lumbar-ct")
    assert len(imaging(req)) == 1
    draft(req)["reasonCode"][0]["coding"][0]["code"] = "81680005"  # neck pain
    assert imaging(req) == []


def test_replacing_the_order_deletes_exactly_the_draft_and_creates_a_referral() -> None:
    [card] = imaging(request("imaging-order-select-lumbar-mri-new-low-back-pain"))
    assert card["selectionBehavior"] == "at-most-one"
    for suggestion in card["suggestions"]:
        kinds = [a["type"] for a in suggestion["actions"]]
        assert kinds == ["create", "delete"]
        delete = suggestion["actions"][1]
        assert delete["resourceId"] == "ServiceRequest/sr-pt-img-mri-new-draft-1"
        assert "resource" not in delete


def test_a_draft_order_without_an_id_gets_advice_but_no_replacement() -> None:
    req = request("imaging-order-sign-lumbar-ct")
    draft(req).pop("id")
    [card] = imaging(req)
    assert "suggestions" not in card and "selectionBehavior" not in card


def test_order_text_is_quoted_without_markup() -> None:
    req = request("imaging-order-sign-lumbar-ct")
    draft(req)["code"]["text"] = (
        "CT <img src=x onerror=alert(1)> [click](http://evil.example) *now*"
    )
    [card] = imaging(req)
    html = MarkdownIt("commonmark", {"html": True}).render(card["detail"])
    assert "<img" not in html and "<a " not in html and "<em>" not in html
    assert "CT &lt;img src=x" in html and "*now*" in html


def test_the_red_flag_takes_the_place_of_the_imaging_card() -> None:
    req = request("imaging-red-flag-cauda-equina-with-lumbar-mri")
    assert [c["source"]["topic"]["code"] for c in cards(req)] == ["red-flag"]
    assert len(imaging(without_condition(req, "R33.9"))) == 1


def test_patient_view_never_shows_the_imaging_card() -> None:
    req: dict[str, Any] = request("imaging-order-sign-lumbar-ct")
    req["hook"] = "patient-view"
    req["context"] = {k: v for k, v in req["context"].items() if k != "draftOrders"}
    assert cards(req) == []


def test_the_card_matches_the_services_own_openapi_card() -> None:
    [card] = imaging(request("imaging-order-select-lumbar-mri-new-low-back-pain"))
    Card.model_validate(card)
    broken = copy.deepcopy(card)
    broken["suggestions"][0]["actions"][1]["resourceId"] = ["ServiceRequest/x"]
    with pytest.raises(ValidationError):
        Card.model_validate(broken)


def test_sciatica_brings_cauda_equina_safety_netting_even_as_the_orders_reason() -> None:
    req = request("imaging-pama-sandbox-lumbar-ct")
    [card] = imaging(req)
    assert "cauda equina" not in card["detail"]
    draft(req)["reasonCode"][0]["coding"][0]["code"] = "23056005"  # sciatica
    [card] = imaging(req)
    assert "cauda equina" in card["detail"]


def test_a_long_standing_finding_is_named_to_ask_about_change() -> None:
    req = request("imaging-order-sign-lumbar-mri-chronic-low-back-pain")
    old_incontinence = copy.deepcopy(conditions(req)[0])
    old_incontinence["resource"].update(
        id="cond-old-incontinence",
        code={"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": "R32"}]},
        onsetDateTime="2020-03-01",
    )
    conditions(req).append(old_incontinence)
    [card] = imaging(req)
    assert "ask about any change in" in card["detail"]
    assert "Condition/cond-old-incontinence" in card["detail"]


def test_the_imaging_scenarios_cover_issue_15() -> None:
    """At least 20: each code family, body-site-only orders, each exclusion, the six-week
    radicular case, a red flag, cervical, thoracic and pelvic studies, and both order hooks."""
    ours = [s for s in SCENARIOS.values() if s.slug.startswith("imaging-")]
    assert len(ours) >= 20
    assert {s.hook for s in ours} == {"order-select", "order-sign"}
    codes = {
        c["code"]
        for s in ours
        for e in s.request["context"]["draftOrders"]["entry"]
        for c in e["resource"].get("code", {}).get("coding", [])
    }
    assert {"72100", "72120", "72148", "72158", "72131", "72133"} <= codes
    assert {"72141", "72146", "72170", "77080", "64483", "113091000"} <= codes
    exclusions = {s.slug.removeprefix("imaging-exclusion-").split("-")[0] for s in ours}
    assert {
        "cancer",
        "trauma",
        "iv",
        "neurological",
        "immunosuppression",
        "long",
        "spondyloarthritis",
        "previous",
    } <= exclusions
    assert {
        "imaging-radicular-six-weeks-info",
        "imaging-red-flag-cauda-equina-with-lumbar-mri",
    } <= {s.slug for s in ours}
