"""The scenario patients of `fixtures/` as a read-only FHIR R4 server under `/demo/fhir`.

On with `CDS_DEMO=true`, for the CDS Hooks sandbox and manual testing. The fixtures are written
against 2026-06-01 while the demo runs on the real clock, so every date is moved forward by whole
days to today: what is "new within 14 days" in a fixture is still new in the sandbox.
"""

import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import parse_qsl, urlencode

import orjson
from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from cds.data.scenarios import FIXTURES_NOW, Scenario, read_scenario, scenario_paths
from cds.services import PREFETCH_TYPES
from cds.types import JSON

log = logging.getLogger(__name__)

PREFIX = "/demo/fhir"
MAX_COUNT = 1000
"""Also the page size of a search without `_count`: the sandbox's patient picker reads only the
first page, so a plain `GET Patient` answers every demo patient."""
SEARCHABLE = ("Patient", "Condition", "Observation", "ServiceRequest", "MedicationRequest")
_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})((?:T[0-9:.]+)?(?:Z|[+-]\d{2}:\d{2})?)")
_NOT_DATES = frozenset({"id", "reference", "fullUrl", "url", "system", "code", "version"})

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Scenarios:
    items: list[Scenario]
    problems: list[str] = field(default_factory=list)
    """Fixtures not served, and why (unreadable, no patient, a patient id already taken)."""


def served_scenarios(fixtures_dir: Path) -> Scenarios:
    items: list[Scenario] = []
    problems: list[str] = []
    owners: dict[str, str] = {}
    paths = scenario_paths(fixtures_dir)
    if not paths:
        problems.append(f"no fixtures in {fixtures_dir.resolve()}")
    for path in paths:
        try:
            scenario = read_scenario(path)
        except (OSError, orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            problems.append(f"{path.name}: unreadable ({type(exc).__name__}: {exc})")
            continue
        pid = scenario.patient_id
        if not pid:
            problems.append(f"{path.name}: no context.patientId")
        elif pid in owners:
            problems.append(f"{path.name}: patient {pid} already served from {owners[pid]}")
        else:
            owners[pid] = path.name
        items.append(scenario)
    for problem in problems:
        log.warning("demo.fixture_problem", extra={"problem": problem})
    return Scenarios(items, problems)


def day_offset(today: date) -> int:
    return (today - FIXTURES_NOW.date()).days


def _shift(text: str, days: int) -> str:
    match = _DATE.fullmatch(text)
    if match is None:
        return text
    try:
        moved = date(*(int(match.group(i)) for i in (1, 2, 3))) + timedelta(days=days)
    except ValueError:
        return text
    return moved.isoformat() + match.group(4)


def shift_dates(value: T, days: int) -> T:
    """A copy of `value` with every FHIR date, dateTime and instant moved by `days`."""

    def walk(item: Any, key: str) -> Any:
        if isinstance(item, dict):
            return {k: walk(v, k) for k, v in item.items()}
        if isinstance(item, list):
            return [walk(v, key) for v in item]
        if isinstance(item, str) and key not in _NOT_DATES:
            return _shift(item, days)
        return item

    result: T = walk(value, "")
    return result


@dataclass(frozen=True, slots=True)
class DemoData:
    """Every served resource by type, in fixture order; patients by id."""

    patients: dict[str, JSON]
    by_type: dict[str, list[tuple[str, JSON]]]
    """resource type → (patient id, resource)."""


def demo_data(scenarios: Iterable[Scenario], days: int) -> DemoData:
    patients: dict[str, JSON] = {}
    by_type: dict[str, list[tuple[str, JSON]]] = {t: [] for t in SEARCHABLE[1:]}
    for scenario in scenarios:
        pid = scenario.patient_id
        if not pid or pid in patients:
            continue
        found = [p for p in scenario.resources("patient") if p.get("resourceType") == "Patient"]
        patient = found[0] if found else {"resourceType": "Patient", "id": pid}
        patients[pid] = shift_dates({**patient, "id": pid}, days)
        for key, resource_type in PREFETCH_TYPES.items():
            if resource_type == "Patient":
                continue
            for resource in scenario.resources(key):
                if resource.get("resourceType") == resource_type:
                    by_type[resource_type].append((pid, shift_dates(resource, days)))
    return DemoData(patients, by_type)


class FhirResponse(Response):
    media_type = "application/fhir+json"

    def render(self, content: object) -> bytes:
        return orjson.dumps(content)


def _outcome(status: int, code: str, message: str) -> FhirResponse:
    issue = {"severity": "error", "code": code, "diagnostics": message}
    return FhirResponse({"resourceType": "OperationOutcome", "issue": [issue]}, status)


class BadSearch(ValueError):
    pass


def _ints(params: dict[str, str]) -> tuple[int, int]:
    try:
        count = int(params.get("_count", MAX_COUNT))
        offset = int(params.get("_offset", 0))
    except ValueError as exc:
        raise BadSearch("_count and _offset must be integers") from exc
    if not 0 <= count <= MAX_COUNT or offset < 0:
        raise BadSearch(f"_count must be 0..{MAX_COUNT} and _offset >= 0")
    return count, offset


def _any_of(value: str | None) -> set[str] | None:
    return None if value is None else {v.strip() for v in value.split(",") if v.strip()}


def _codes_match(concept: object, tokens: set[str]) -> bool:
    codings = concept.get("coding") if isinstance(concept, dict) else None
    for coding in codings if isinstance(codings, list) else []:
        system, code = coding.get("system"), coding.get("code")
        if f"{system}|{code}" in tokens or code in tokens or f"{system}|" in tokens:
            return True
        if system is None and f"|{code}" in tokens:
            return True
    return False


def _status(resource: JSON, resource_type: str) -> str | None:
    if resource_type != "Condition":
        return resource.get("status")
    concept = resource.get("clinicalStatus") or {}
    codes = [c.get("code") for c in concept.get("coding") or []]
    return codes[0] if codes else None


def _name_matches(patient: JSON, words: set[str]) -> bool:
    parts: list[str] = []
    for name in patient.get("name") or []:
        parts += [name.get("text") or "", name.get("family") or "", *(name.get("given") or [])]
    text = " ".join(parts).lower()
    return any(word.lower() in text for word in words)


def _patient_ref(value: str) -> str:
    return value.rsplit("Patient/", 1)[-1]


def search(data: DemoData, resource_type: str, params: dict[str, str]) -> list[JSON]:
    ids = _any_of(params.get("_id"))
    if resource_type == "Patient":
        names = _any_of(params.get("name"))
        return [
            p
            for pid, p in data.patients.items()
            if (ids is None or pid in ids) and (names is None or _name_matches(p, names))
        ]
    subject = params.get("patient") or params.get("subject")
    codes = _any_of(params.get("code"))
    statuses = _any_of(params.get("clinical-status" if resource_type == "Condition" else "status"))
    return [
        r
        for pid, r in data.by_type[resource_type]
        if (subject is None or _patient_ref(subject) == pid)
        and (ids is None or r.get("id") in ids)
        and (codes is None or _codes_match(r.get("code"), codes))
        and (statuses is None or _status(r, resource_type) in statuses)
    ]


def searchset(base: str, resource_type: str, params: dict[str, str], found: list[JSON]) -> JSON:
    count, offset = _ints(params)
    page = found[offset : offset + count]

    def link(relation: str, at: int) -> JSON:
        query = urlencode({**params, "_count": str(count), "_offset": str(at)})
        return {"relation": relation, "url": f"{base}/{resource_type}?{query}"}

    links = [link("self", offset)]
    if count and offset + count < len(found):
        links.append(link("next", offset + count))
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(found),
        "link": links,
        "entry": [
            {
                "fullUrl": f"{base}/{resource_type}/{r.get('id')}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for r in page
        ],
    }


def capability_statement(base: str, today: date) -> JSON:
    def resource(resource_type: str, params: list[tuple[str, str]]) -> JSON:
        interactions = ["search-type", *(["read"] if resource_type == "Patient" else [])]
        return {
            "type": resource_type,
            "interaction": [{"code": code} for code in interactions],
            "searchParam": [{"name": n, "type": t} for n, t in params],
        }

    paging = [("_id", "token"), ("_count", "number"), ("_offset", "number")]
    by_patient = [("patient", "reference"), ("subject", "reference"), ("code", "token")]
    return {
        "resourceType": "CapabilityStatement",
        "status": "active",
        "date": today.isoformat(),
        "kind": "instance",
        "publisher": "spinal-origin-cds",
        "software": {"name": "spinal-origin-cds demo FHIR server (fixtures, read-only)"},
        "implementation": {"description": "The scenario patients of fixtures/", "url": base},
        "fhirVersion": "4.0.1",
        "format": ["application/fhir+json", "json"],
        "rest": [
            {
                "mode": "server",
                "resource": [
                    resource("Patient", [("name", "string"), *paging]),
                    resource("Condition", [*by_patient, ("clinical-status", "token"), *paging]),
                    resource("Observation", [*by_patient, ("status", "token"), *paging]),
                    resource("ServiceRequest", [*by_patient, ("status", "token"), *paging]),
                    resource("MedicationRequest", [*by_patient, ("status", "token"), *paging]),
                ],
            }
        ],
    }


def demo_fhir_router(fixtures_dir: Path, clock: Callable[[], datetime]) -> APIRouter:
    """Routes of the demo server; dates shifted by (the clock's day - 2026-06-01)."""
    scenarios = served_scenarios(fixtures_dir).items

    @lru_cache(maxsize=2)
    def data_for(days: int) -> DemoData:
        return demo_data(scenarios, days)

    def base_url(request: Request) -> str:
        return str(request.base_url).rstrip("/") + PREFIX

    def current() -> DemoData:
        return data_for(day_offset(clock().date()))

    async def metadata(request: Request) -> Response:
        return FhirResponse(capability_statement(base_url(request), clock().date()))

    async def read_patient(request: Request) -> Response:
        patient = current().patients.get(request.path_params["id"])
        if patient is None:
            return _outcome(404, "not-found", f"Patient/{request.path_params['id']} is not known")
        return FhirResponse(patient)

    async def respond(request: Request, params: dict[str, str]) -> Response:
        resource_type = request.path_params["resource_type"]
        if resource_type not in SEARCHABLE:
            return _outcome(404, "not-supported", f"{resource_type} is not served here")
        try:
            found = search(current(), resource_type, params)
            return FhirResponse(searchset(base_url(request), resource_type, params, found))
        except BadSearch as exc:
            return _outcome(400, "invalid", str(exc))

    async def search_get(request: Request) -> Response:
        return await respond(request, dict(request.query_params))

    async def search_post(request: Request) -> Response:
        form = parse_qsl((await request.body()).decode("utf-8", "replace"))
        return await respond(request, {**dict(request.query_params), **dict(form)})

    async def unsupported(request: Request) -> Response:
        return _outcome(404, "not-supported", f"{request.url.path} is not served (read-only demo)")

    router = APIRouter(prefix=PREFIX, include_in_schema=False)
    router.add_api_route("/metadata", metadata, methods=["GET"])
    router.add_api_route("/Patient/{id}", read_patient, methods=["GET"])
    router.add_api_route("/{resource_type}", search_get, methods=["GET"])
    router.add_api_route("/{resource_type}/_search", search_post, methods=["POST"])
    router.add_api_route("/{rest:path}", unsupported, methods=["GET", "POST", "PUT", "DELETE"])
    return router
