"""Profiles the service in-process with pyinstrument on one benchmark body.

`python -m bench.profile a` (or b, c, d) sends the case's request through the ASGI app
(FastAPI routing, body read, prefetch, engine, cards, store) `--calls` times and prints where
the time went. Not measured: uvicorn's HTTP parsing and the store's worker threads (their
share shows as waiting in `run_in_threadpool`); `py-spy record` on a `cds serve` under
`python -m bench` load sees those too.
"""

import argparse
import asyncio
import os
import tempfile
import uuid
from collections.abc import Callable

import httpx

from bench import cases
from cds.data.scenarios import FIXTURES_NOW

REQUESTS: dict[str, tuple[str, Callable[[], cases.Resource]]] = {
    "a": ("spinal-origin-patient-view", lambda: cases.patient_view(40, 6)),
    "b": ("spinal-origin-patient-view", lambda: cases.patient_view(400, 40)),
    "c": ("spinal-origin-patient-view", lambda: cases.patient_view(5000, 500)),
    "d": ("spinal-origin-order-sign", cases.order_sign),
}


async def _calls(service_id: str, body: bytes, calls: int, warmup: int, html: str | None) -> str:
    from pyinstrument import Profiler

    from cds.api.app import app_from_environment

    app = app_from_environment()  # as `cds serve` builds it: with its settled heap and GC settings
    marker = cases.HOOK_INSTANCE_MARKER.encode()
    headers = {"Content-Type": "application/json"}
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://bench") as client,
    ):
        profiler = Profiler(interval=0.0002, async_mode="enabled")
        for n in range(warmup + calls):
            if n == warmup:
                profiler.start()
            payload = body.replace(marker, str(uuid.uuid4()).encode())
            response = await client.post(
                f"/cds-services/{service_id}", content=payload, headers=headers
            )
            if response.status_code != 200:
                raise SystemExit(f"HTTP {response.status_code}: {response.text[:300]}")
        profiler.stop()
    if html:
        profiler.write_html(html)
    return profiler.output_text(unicode=True, color=False, show_all=False)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.profile")
    parser.add_argument("case", choices=sorted(REQUESTS))
    parser.add_argument("--calls", type=int, default=200)
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--html", help="also write pyinstrument's HTML report here")
    args = parser.parse_args()
    workdir = tempfile.mkdtemp(prefix="cds-profile-")
    os.environ.update(
        CDS_DATABASE_URL=f"sqlite:///{workdir}/cds.sqlite3",
        CDS_NOW=FIXTURES_NOW.isoformat(),
        CDS_LOG_LEVEL="WARNING",
        CDS_PATIENT_HASH_KEY="bench",
        CDS_ALLOWED_FHIR_SERVERS="http://127.0.0.1:*",
    )
    service_id, build = REQUESTS[args.case]
    body = cases.body(build())
    print(asyncio.run(_calls(service_id, body, args.calls, args.warmup, args.html)))


if __name__ == "__main__":
    main()
