"""The baseline: a bare FastAPI endpoint that reads the body, parses it with orjson and answers
`{"cards": []}`. What the service's numbers are divided by.

Run with `uvicorn bench.baseline:app --workers 1`, as the benchmark does.
"""

import orjson
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import Response

app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)


@app.post("/cds-services/{service_id}")
async def call_service(service_id: str, request: Request) -> Response:
    orjson.loads(await request.body())
    return Response(orjson.dumps({"cards": []}), media_type="application/json")


@app.get("/healthz")
async def healthz() -> Response:
    return Response(b'{"status": "ok"}', media_type="application/json")
