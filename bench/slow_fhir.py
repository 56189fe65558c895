"""A FHIR server that answers every request after a fixed delay (50 ms unless
`BENCH_FHIR_DELAY_MS` says otherwise), with the radicular scenario of `bench.cases`.

Serves `GET /Patient/{id}` and searchset Bundles for `GET /Condition`, `/Observation` and
`/ServiceRequest` (filtered by `patient`, Observation also by `code`); a request without a
Bearer token gets 401. Run with `uvicorn bench.slow_fhir:app`.
"""

import asyncio
import os

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.cases import Resource, scenario, searchset

DELAY_SECONDS = float(os.environ.get("BENCH_FHIR_DELAY_MS", "50")) / 1000
FHIR_JSON = "application/fhir+json"
SEARCHABLE = ("Condition", "Observation", "ServiceRequest")

RESOURCES, PATIENT_ID = scenario()


def _fhir(body: Resource, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=FHIR_JSON)


def _outcome(code: str, text: str) -> Resource:
    return {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": code, "diagnostics": text}],
    }


def _codes(resource: Resource) -> set[str]:
    """`code` search tokens a resource matches: `system|code` and bare `code`."""
    tokens: set[str] = set()
    for coding in (resource.get("code") or {}).get("coding") or []:
        tokens.add(str(coding.get("code")))
        tokens.add(f"{coding.get('system')}|{coding.get('code')}")
    return tokens


def _matches(resource: Resource, request: Request) -> bool:
    patient = request.query_params.get("patient")
    subject = (resource.get("subject") or {}).get("reference", "")
    if patient is not None and subject not in (patient, f"Patient/{patient}"):
        return False
    wanted = request.query_params.get("code")
    if wanted is not None and not _codes(resource) & set(wanted.split(",")):
        return False
    status = request.query_params.get("status")
    return status is None or resource.get("status") in status.split(",")


async def _answer(request: Request) -> Response:
    await asyncio.sleep(DELAY_SECONDS)
    if not request.headers.get("authorization", "").startswith("Bearer "):
        return _fhir(_outcome("login", "a Bearer token is required"), 401)
    kind = request.path_params["kind"]
    if "id" in request.path_params:
        for resource in RESOURCES:
            if resource["resourceType"] == kind and resource.get("id") == request.path_params["id"]:
                return _fhir(resource)
        return _fhir(_outcome("not-found", f"{kind}/{request.path_params['id']}"), 404)
    if kind not in SEARCHABLE:
        return _fhir(_outcome("not-supported", f"no search on {kind}"), 404)
    found = [r for r in RESOURCES if r["resourceType"] == kind and _matches(r, request)]
    return _fhir(searchset(found))


async def healthz(request: Request) -> Response:
    return Response(b'{"status": "ok"}', media_type="application/json")


app = Starlette(
    routes=[
        Route("/healthz", healthz),
        Route("/{kind}/{id}", _answer),
        Route("/{kind}", _answer),
    ]
)
