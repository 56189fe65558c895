"""A FHIR server that misbehaves on purpose, chosen by the first path segment of the base URL.

{base}/ok/...           a valid empty searchset (or the Patient)
{base}/lagging/...      the same after 0.4 s
{base}/slow/...         answers after 10 s
{base}/status-NNN/...   answers status NNN with an OperationOutcome
{base}/not-json/...     200 with an HTML page
{base}/truncated/...    200 with half a Bundle
{base}/not-fhir/...     200 with JSON that is no FHIR resource
{base}/endless/...      every page links to a next page
{base}/redirect/...     302 to another host
{base}/outcome/...      200 with an OperationOutcome
"""

import asyncio

import orjson
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

FHIR_JSON = "application/fhir+json"
EMPTY = {"resourceType": "Bundle", "type": "searchset", "total": 0, "entry": []}
OUTCOME = {
    "resourceType": "OperationOutcome",
    "issue": [{"severity": "error", "code": "processing", "diagnostics": "nope"}],
}


def _fhir(body: object, status: int = 200) -> Response:
    return Response(orjson.dumps(body), status, media_type=FHIR_JSON)


async def answer(request: Request) -> Response:
    mode, _, rest = request.path_params["path"].partition("/")
    request.app.state.requests.append(str(request.url))
    if mode in ("ok", "lagging"):
        await asyncio.sleep(0.4 if mode == "lagging" else 0)
        if rest.startswith("Patient/"):
            return _fhir({"resourceType": "Patient", "id": rest.removeprefix("Patient/")})
        return _fhir(EMPTY)
    if mode == "slow":
        await asyncio.sleep(10)
        return _fhir(EMPTY)
    if mode.startswith("status-"):
        return _fhir(OUTCOME, int(mode.removeprefix("status-")))
    if mode == "not-json":
        return HTMLResponse("<html><body>Login</body></html>")
    if mode == "truncated":
        return Response(orjson.dumps(EMPTY)[:20], media_type=FHIR_JSON)
    if mode == "not-fhir":
        return _fhir({"hello": "world"})
    if mode == "endless":
        page = int(request.query_params.get("page", "0"))
        nxt = request.url.include_query_params(page=page + 1)
        return _fhir({**EMPTY, "link": [{"relation": "next", "url": str(nxt)}]})
    if mode == "redirect":
        return RedirectResponse("http://127.0.0.2:9/elsewhere", 302)
    if mode == "outcome":
        return _fhir(OUTCOME)
    return _fhir(OUTCOME, 404)


def misbehaving_fhir_app() -> Starlette:
    app = Starlette(routes=[Route("/fhir/{path:path}", answer)])
    app.state.requests = []
    return app
