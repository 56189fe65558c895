"""The card preview (`/preview`, with `CDS_DEMO=true`): each scenario of `fixtures/`, the
patient's relevant record beside the cards, rendered as an EHR would, for clinical review.

Cards are computed in-process by the engine on the fixtures' clock (`FIXTURES_NOW`). "Run
live" posts the fixture request, dates moved to today as under `/demo/fhir`, to the running app's
own `POST /cds-services/{id}` (in-process ASGI call through the full middleware and endpoint path,
store and suppression included) and shows its answer.
"""

import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
from fastapi import APIRouter
from jinja2 import Environment, PackageLoader, select_autoescape
from markdown_it import MarkdownIt
from markupsafe import Markup
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from cds.data.documents import record_from_document, service_for_hook
from cds.data.scenarios import FIXTURES_NOW, Scenario
from cds.demo.fhir_server import PREFIX, day_offset, served_scenarios, shift_dates
from cds.evaluation import evaluate
from cds.types import JSON

log = logging.getLogger(__name__)

SANDBOX = "https://sandbox.cds-hooks.org/"
_SYSTEMS = {
    "http://snomed.info/sct": "SNOMED CT",
    "http://hl7.org/fhir/sid/icd-10-cm": "ICD-10-CM",
    "http://hl7.org/fhir/sid/icd-10": "ICD-10",
    "http://loinc.org": "LOINC",
}

_markdown = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])
TEMPLATES = Environment(
    loader=PackageLoader("cds.demo", "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
TEMPLATES.filters["markdown"] = lambda text: Markup(_markdown.render(str(text or "")))


@dataclass(frozen=True, slots=True)
class Row:
    """One line of the record as a clinician reads it."""

    what: str
    code: str
    status: str
    when: str
    site: str
    detail: str
    reference: str


@dataclass(frozen=True, slots=True)
class Chart:
    patient: str
    sex: str
    born: str
    age: str
    conditions: list[Row]
    observations: list[Row]
    orders: list[Row]
    draft_orders: list[Row]


def _concept(concept: Any) -> str:
    if not isinstance(concept, dict):
        return ""
    codings = [c for c in concept.get("coding") or [] if isinstance(c, dict)]
    return str(concept.get("text") or next((c["display"] for c in codings if c.get("display")), ""))


def _codes(concept: Any) -> str:
    codings = concept.get("coding") or [] if isinstance(concept, dict) else []
    shown = []
    for coding in codings:
        if isinstance(coding, dict):
            system = str(coding.get("system") or "")
            shown.append(f"{_SYSTEMS.get(system, system)} {coding.get('code', '')}".strip())
    return ", ".join(shown)


def _code_of(concept: Any) -> str:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    return str(codings[0].get("code", "")) if isinstance(codings, list) and codings else ""


def _age(birth_date: str) -> str:
    try:
        born = date.fromisoformat(birth_date)
    except ValueError:
        return ""
    day = FIXTURES_NOW.date()
    return str(day.year - born.year - ((day.month, day.day) < (born.month, born.day)))


def _short(moment: str) -> str:
    return moment[:16].replace("T", " ") if len(moment) > 10 and moment[10] == "T" else moment


def _first(resource: JSON, *keys: str) -> str:
    for key in keys:
        value = resource.get(key)
        if isinstance(value, dict):
            value = value.get("start") or (f"{value.get('value', '')} {value.get('unit', '')}")
        if value not in (None, ""):
            return str(value).strip()
    return ""


def _value(observation: JSON) -> str:
    quantity = observation.get("valueQuantity")
    if isinstance(quantity, dict):
        value = f"{quantity.get('value', '')} {quantity.get('unit', '')}".strip()
    elif isinstance(observation.get("valueBoolean"), bool):
        value = "present" if observation["valueBoolean"] else "absent"
    else:
        value = _concept(observation.get("valueCodeableConcept")) or _first(
            observation, "valueString", "valueInteger"
        )
    flags = [_concept(i) for i in observation.get("interpretation") or []]
    return "; ".join(v for v in [value, *flags] if v)


def _row(resource: JSON) -> Row:
    kind = resource.get("resourceType")
    sites = resource.get("bodySite")
    sites = sites if isinstance(sites, list) else [sites]
    if kind == "Condition":
        status = _code_of(resource.get("clinicalStatus"))
        when = _first(resource, "onsetDateTime", "onsetPeriod", "onsetString", "onsetAge")
        abated = _first(resource, "abatementDateTime", "abatementPeriod", "abatementString")
        detail = ", ".join(
            x
            for x in [
                _code_of(resource.get("verificationStatus")),
                f"abated {abated}" if abated else "",
                f"recorded {resource['recordedDate']}" if resource.get("recordedDate") else "",
            ]
            if x
        )
    elif kind == "Observation":
        status = str(resource.get("status", ""))
        when = _first(resource, "effectiveDateTime", "effectivePeriod", "issued")
        detail = _value(resource)
    else:
        status = str(resource.get("status", ""))
        when = _first(resource, "authoredOn", "occurrenceDateTime")
        detail = str(resource.get("intent", ""))
    code = resource.get("code")
    return Row(
        what=_concept(code) or "(no code)",
        code=_codes(code),
        status=status,
        when=_short(when),
        site=", ".join(_concept(s) or _codes(s) for s in sites if s),
        detail=detail,
        reference=f"{kind}/{resource.get('id', '?')}",
    )


def _selected(row: Row, selections: list[str]) -> Row:
    return replace(row, detail=f"{row.detail}, selected") if row.reference in selections else row


def chart_for(scenario: Scenario) -> Chart:
    patients = scenario.resources("patient")
    patient = patients[0] if patients else {}
    names = patient.get("name") or [{}]
    name = names[0].get("text") or " ".join(
        [*names[0].get("given", []), names[0].get("family", "")]
    )
    context = scenario.request.get("context") or {}
    drafts = context.get("draftOrders") if isinstance(context, dict) else None
    entries = drafts.get("entry") or [] if isinstance(drafts, dict) else []
    return Chart(
        patient=name.strip() or scenario.patient_id,
        sex=str(patient.get("gender", "")),
        born=str(patient.get("birthDate", "")),
        age=_age(str(patient.get("birthDate", ""))),
        conditions=[_row(r) for r in scenario.resources("conditions")],
        observations=[_row(r) for r in scenario.resources("observations")],
        orders=[_row(r) for r in scenario.resources("serviceRequests")],
        draft_orders=[
            _selected(_row(e["resource"]), context.get("selections") or [])
            for e in entries
            if isinstance(e.get("resource"), dict)
        ],
    )


@dataclass(frozen=True, slots=True)
class Outcome:
    """Cards for one scenario, from the engine or the live service, against what is expected."""

    cards: list[JSON]
    error: str | None
    expected: list[str]
    actual: list[str]
    problems: list[str]
    """How the cards differ from the fixture's `expect` (as tests/scenarios.py checks it)."""

    @property
    def matches(self) -> bool:
        return self.error is None and not self.problems


def _topic(card: JSON) -> str:
    return str(((card.get("source") or {}).get("topic") or {}).get("code", "?"))


def _describe(expected: JSON) -> str:
    text = f"{expected.get('topic')}/{expected.get('indicator')}"
    if expected.get("summary_contains"):
        text += " with " + ", ".join(f"“{s}”" for s in expected["summary_contains"])
    if expected.get("suggestions_present"):
        text += "; suggests " + ", ".join(expected["suggestions_present"])
    if expected.get("suggestions_absent"):
        text += "; never " + ", ".join(expected["suggestions_absent"])
    return text


def _fits(card: JSON, expected: JSON) -> bool:
    summary = str(card.get("summary", "")).lower()
    return (
        _topic(card) == expected.get("topic")
        and card.get("indicator") == expected.get("indicator")
        and all(s.lower() in summary for s in expected.get("summary_contains", []))
    )


def _suggested(card: JSON) -> list[set[str]]:
    return [
        {
            str(coding.get("code"))
            for action in suggestion.get("actions", [])
            for coding in ((action.get("resource") or {}).get("code") or {}).get("coding", [])
        }
        for suggestion in card.get("suggestions", [])
    ]


def differences(cards: list[JSON], expect: JSON) -> list[str]:
    wanted = [c for c in expect.get("cards", []) if isinstance(c, dict)]
    problems = [] if len(cards) == len(wanted) else [f"{len(wanted)} card(s) expected"]
    unused = list(cards)
    for expected in wanted:
        match = next((card for card in unused if _fits(card, expected)), None)
        if match is None:
            problems.append(f"no card is {_describe(expected)}")
            continue
        unused.remove(match)
        offered = _suggested(match)
        for token in expected.get("suggestions_present", []):
            if not any(token in codes for codes in offered):
                problems.append(f"{token} is not suggested on the {_topic(match)} card")
        for token in expected.get("suggestions_absent", []):
            if any(token in codes for codes in offered):
                problems.append(f"{token} is suggested on the {_topic(match)} card")
    return problems


def _outcome(scenario: Scenario, cards: list[JSON], error: str | None) -> Outcome:
    wanted = [c for c in scenario.expect.get("cards", []) if isinstance(c, dict)]
    return Outcome(
        cards=cards,
        error=error,
        expected=[_describe(c) for c in wanted],
        actual=[f"{_topic(c)}/{c.get('indicator')}" for c in cards],
        problems=differences(cards, scenario.expect),
    )


def engine_outcome(scenario: Scenario) -> Outcome:
    try:
        hook, record = record_from_document(scenario.request)
        cards = [issued.card for issued in evaluate(record, hook, FIXTURES_NOW).cards]
    except Exception as exc:
        log.exception("preview.engine_failed", extra={"scenario": scenario.slug})
        return _outcome(scenario, [], f"{type(exc).__name__}: {exc}")
    return _outcome(scenario, cards, None)


async def live_outcome(request: Request, scenario: Scenario, days: int) -> Outcome:
    service = service_for_hook(scenario.hook)
    body = {**shift_dates(scenario.request, days), "hookInstance": str(uuid.uuid4())}
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(transport=transport, base_url=str(request.base_url)) as client:
        response = await client.post(f"/cds-services/{service.id}", json=body, timeout=30)
    answer: Any = response.json()
    if response.status_code != 200:
        return _outcome(scenario, [], f"HTTP {response.status_code}: {answer}")
    return _outcome(scenario, list(answer.get("cards", [])), None)


def sandbox_url(request: Request, patient_id: str) -> str:
    base = str(request.base_url).rstrip("/")
    query = {
        "fhirServiceUrl": base + PREFIX,
        "patientId": patient_id,
        "serviceDiscoveryURL": base + "/cds-services",
    }
    return SANDBOX + "?" + urlencode(query, safe=":/")


def _page(name: str, status: int = 200, **values: Any) -> HTMLResponse:
    html = TEMPLATES.get_template(name).render(fixtures_now=FIXTURES_NOW, **values)
    return HTMLResponse(html, status)


def preview_router(fixtures_dir: Path, clock: Callable[[], datetime]) -> APIRouter:
    loaded = served_scenarios(fixtures_dir)
    by_slug = {scenario.slug: scenario for scenario in loaded.items}

    async def index(request: Request) -> Response:
        rows = [(s, engine_outcome(s)) for s in loaded.items]
        return _page("preview_index.html", rows=rows, problems=loaded.problems)

    def scenario_page(request: Request, live: Outcome | None = None) -> Response:
        scenario = by_slug.get(request.path_params["scenario"])
        if scenario is None:
            return _page("preview_missing.html", 404, slug=request.path_params["scenario"])
        return _page(
            "preview_scenario.html",
            scenario=scenario,
            chart=chart_for(scenario),
            outcome=engine_outcome(scenario),
            live=live,
            live_day=clock().date(),
            sandbox=sandbox_url(request, scenario.patient_id),
        )

    async def show(request: Request) -> Response:
        return scenario_page(request)

    async def run(request: Request) -> Response:
        scenario = by_slug.get(request.path_params["scenario"])
        if scenario is None:
            return scenario_page(request)
        days = day_offset(clock().date())
        return scenario_page(request, await live_outcome(request, scenario, days))

    router = APIRouter(prefix="/preview", include_in_schema=False)
    router.add_api_route("", index, methods=["GET"])
    router.add_api_route("/{scenario}", show, methods=["GET"])
    router.add_api_route("/{scenario}/run", run, methods=["POST"])
    return router
