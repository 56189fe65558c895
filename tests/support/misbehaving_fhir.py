"""A FHIR server that misbehaves on purpose, chosen by the first path segment of the base URL.

{base}/ok/...           a valid empty searchset (or the Patient)
{base}/lagging/...      the same after 0.4 s
{base}/lag-MS/...       the same after MS milliseconds
{base}/many-N/...       a searchset of N unrelated Conditions (the Patient for a read)
{base}/slow/...         answers after 10 s
{base}/status-NNN/...   answers status NNN with an OperationOutcome
{base}/not-json/...     200 with an HTML page
{base}/truncated/...    200 with half a Bundle
{base}/not-fhir/...     200 with JSON that is no FHIR resource
{base}/endless/...      every page links to a next page
{base}/redirect/...     302 to another host
{base}/outcome/...      200 with an OperationOutcome
{base}/cookie/...       a valid empty searchset, setting a session cookie on every answer
{base}/gzip/...         a valid empty searchset, gzip-compressed
{base}/gzip-bomb-MB/... a valid empty searchset padded to MB megabytes, gzip-compressed
{base}/bad-next/...     a searchset whose next link is not a URL

`app.state.requests` lists the URLs asked for, `app.state.cookies` the Cookie headers received;
`app.state.in_flight[mode]` counts the requests of a mode being answered now,
`app.state.max_in_flight[mode]` the most there ever were at once.
"""

import asyncio
import gzip
from collections import Counter
from functools import lru_cache

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


def _unrelated_conditions(n: int) -> dict[str, object]:
    hypertension = {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}]}
    resources = [
        {"resourceType": "Condition", "id": f"c{i}", "code": hypertension} for i in range(n)
    ]
    return {**EMPTY, "total": n, "entry": [{"resource": r} for r in resources]}


@lru_cache
def _padded_gzip(megabytes: int) -> bytes:
    """An empty searchset padded with spaces to `megabytes`: valid JSON, inflating ~1000-fold."""
    body = orjson.dumps(EMPTY)
    padding = b" " * (megabytes * 1024 * 1024 - len(body))
    return gzip.compress(body[:-1] + padding + b"}", compresslevel=9)


def _gzipped(body: bytes) -> Response:
    return Response(body, media_type=FHIR_JSON, headers={"Content-Encoding": "gzip"})


async def answer(request: Request) -> Response:
    state = request.app.state
    mode = request.path_params["path"].partition("/")[0]
    state.in_flight[mode] += 1
    state.max_in_flight[mode] = max(state.max_in_flight[mode], state.in_flight[mode])
    try:
        return await _answer(request)
    finally:
        state.in_flight[mode] -= 1


async def _answer(request: Request) -> Response:
    mode, _, rest = request.path_params["path"].partition("/")
    request.app.state.requests.append(str(request.url))
    if "cookie" in request.headers:
        request.app.state.cookies.append(request.headers["cookie"])
    valid = (
        {"resourceType": "Patient", "id": rest.removeprefix("Patient/")}
        if rest.startswith("Patient/")
        else EMPTY
    )
    if mode == "cookie":
        response = _fhir(valid)
        response.set_cookie("session", "hospital-a-session", path="/")
        return response
    if mode == "gzip" or (mode.startswith("gzip-bomb-") and valid is not EMPTY):
        return _gzipped(gzip.compress(orjson.dumps(valid)))
    if mode.startswith("gzip-bomb-"):
        return _gzipped(_padded_gzip(int(mode.removeprefix("gzip-bomb-"))))
    if mode == "bad-next":
        return _fhir({**EMPTY, "link": [{"relation": "next", "url": "http://[oops"}]})
    if mode.startswith("many-") and not rest.startswith("Patient/"):
        return _fhir(_unrelated_conditions(int(mode.removeprefix("many-"))))
    if mode in ("ok", "lagging") or mode.startswith(("lag-", "many-")):
        lag = 0.4 if mode == "lagging" else 0.0
        if mode.startswith("lag-"):
            lag = int(mode.removeprefix("lag-")) / 1000
        await asyncio.sleep(lag)
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
    app.state.cookies = []
    app.state.in_flight = Counter()
    app.state.max_in_flight = Counter()
    return app
