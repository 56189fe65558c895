"""Every limit is a `CDS_*` setting, and every breach is a clear 4xx or 412 in bounded time.

Each test starts the service from environment variables (as `cds serve` would read them) and,
for the fetch path, points it at tests/misbehaving_fhir.py.
"""

import re
import socket
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds.api.app import create_app
from cds.data.scenarios import FIXTURES_NOW, load_scenarios
from cds.settings import Settings
from tests.support import requests as req
from tests.support.service import TEST_FHIR_SERVERS, running_app

PV = "/cds-services/spinal-origin-patient-view"
RED_FLAG = next(s for s in load_scenarios() if s.slug == "red-flag-new-foot-drop")

Serve = Callable[..., AbstractContextManager[str]]


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Serve:
    """Runs the service configured from `CDS_*` environment variables only."""

    @contextmanager
    def serving(**env: object) -> Iterator[str]:
        monkeypatch.setenv("CDS_DATABASE_URL", f"sqlite:///{tmp_path / 'cds.sqlite3'}")
        monkeypatch.setenv("CDS_PATIENT_HASH_KEY", "test-key")
        monkeypatch.setenv("CDS_NOW", FIXTURES_NOW.isoformat())
        monkeypatch.setenv("CDS_ALLOWED_FHIR_SERVERS", TEST_FHIR_SERVERS)
        for name, value in env.items():
            monkeypatch.setenv(f"CDS_{name.upper()}", str(value))
        with running_app(create_app(Settings())) as url:
            yield url

    return serving


def _fetching(fhir_server: str, **prefetch: Any) -> dict[str, Any]:
    """A patient-view call that leaves everything but `prefetch` to the FHIR server."""
    return req.patient_view(
        fhirServer=fhir_server,
        fhirAuthorization={
            "access_token": "token-for-limits",
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        },
        prefetch=prefetch,
    )


def _error(response: httpx.Response, status: int, error: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    answer: dict[str, Any] = response.json()
    assert answer["error"] == error and answer["message"], answer
    return answer


def _timed_post(url: str, json: Any, timeout: float = 15) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = httpx.post(url, json=json, timeout=timeout)
    return response, time.monotonic() - started


# ---------------------------------------------------------------------------------------------
# CDS_MAX_BODY_BYTES


def test_max_body_bytes_bounds_the_body(serve: Serve) -> None:
    content = orjson.dumps(RED_FLAG.request)
    headers = {"Content-Type": "application/json"}
    with serve(max_body_bytes=len(content)) as url:
        assert httpx.post(url + PV, content=content, headers=headers).status_code == 200
        too_big = content + b" "
        answer = _error(
            httpx.post(url + PV, content=too_big, headers=headers), 413, "payload-too-large"
        )
        assert str(len(content)) in answer["message"]


def test_max_body_bytes_holds_without_a_content_length(serve: Serve) -> None:
    """A chunked body has no length to check up front: the limit is enforced while reading."""
    with serve(max_body_bytes=2000) as url:

        def chunks() -> Iterator[bytes]:
            yield from (b" " * 1000 for _ in range(10_000))  # 10 MB if the server read it all

        response = httpx.post(
            url + PV, content=chunks(), headers={"Content-Type": "application/json"}, timeout=10
        )
        _error(response, 413, "payload-too-large")


# ---------------------------------------------------------------------------------------------
# CDS_MAX_RESOURCES_PER_PREFETCH


def _conditions(n: int) -> dict[str, Any]:
    filler = {**req.CONDITIONS[0], "code": {"text": "hypertension"}}
    return req.searchset([{**filler, "id": f"c{i}"} for i in range(n)])


def test_max_resources_bounds_a_prefetch_value(serve: Serve) -> None:
    with serve(max_resources_per_prefetch=5) as url:
        request = req.patient_view()
        request["prefetch"]["conditions"] = _conditions(5)
        assert httpx.post(url + PV, json=request).status_code == 200
        request["prefetch"]["conditions"] = _conditions(6)
        answer = _error(httpx.post(url + PV, json=request), 413, "payload-too-large")
        assert answer["field"] == "prefetch.conditions"


def test_max_resources_bounds_a_fhir_search(serve: Serve, bad_fhir: tuple[str, Any]) -> None:
    base, _ = bad_fhir
    with serve(max_resources_per_prefetch=5) as url:
        ok = httpx.post(url + PV, json=_fetching(f"{base}/many-5"), timeout=10)
        assert ok.status_code == 200, ok.text
        response, took = _timed_post(url + PV, _fetching(f"{base}/many-6"))
        answer = _error(response, 413, "payload-too-large")  # as when prefetched: asking again
        assert answer["field"] == "prefetch.conditions"  # cannot help, unlike a 412
        assert "more than 5 resources" in answer["message"]
        assert took < 3


# ---------------------------------------------------------------------------------------------
# CDS_MAX_PAGES


@pytest.mark.parametrize("pages", [1, 3])
def test_max_pages_bounds_each_search(serve: Serve, bad_fhir: tuple[str, Any], pages: int) -> None:
    base, app = bad_fhir
    with serve(max_pages=pages) as url:
        app.state.requests.clear()
        response, took = _timed_post(url + PV, _fetching(f"{base}/endless", patient=req.PATIENT))
        assert response.status_code == 412, response.text
        assert "CDS_MAX_PAGES" in response.json()["message"]
        assert len(app.state.requests) == 4 * pages, "four searches, each stopped at the bound"
        assert took < 3


# ---------------------------------------------------------------------------------------------
# CDS_FETCH_BUDGET_SECONDS


@pytest.mark.parametrize("budget", [0.3, 1.2])
def test_fetch_budget_bounds_a_lagging_fhir_server(
    serve: Serve, bad_fhir: tuple[str, Any], budget: float
) -> None:
    base, _ = bad_fhir
    with serve(fetch_budget_seconds=budget) as url:
        response, took = _timed_post(url + PV, _fetching(f"{base}/lag-2500"))
        answer = _error(response, 412, "fhir-server-error")
        assert answer["message"] == "the FHIR server could not be read for conditions"
        assert budget <= took < budget + 1.0, f"{took:.2f} s for a {budget} s budget"


# ---------------------------------------------------------------------------------------------
# CDS_MAX_CONCURRENT_FETCHES


def _quiet(app: Any, mode: str) -> None:
    """Waits out the requests of `mode` still being answered for an earlier call."""
    deadline = time.monotonic() + 5
    while app.state.in_flight[mode] and time.monotonic() < deadline:
        time.sleep(0.02)
    app.state.max_in_flight[mode] = 0


@pytest.mark.parametrize(("concurrent", "status"), [(1, 412), (4, 200)])
def test_max_concurrent_fetches_serialises_the_queries(
    serve: Serve, bad_fhir: tuple[str, Any], concurrent: int, status: int
) -> None:
    # Four queries of 0.6 s each in a 1 s budget: together they fit, one by one they do not
    # (the Patient read goes first, so the Conditions would arrive at 1.2 s).
    base, app = bad_fhir
    with serve(max_concurrent_fetches=concurrent, fetch_budget_seconds=1.0) as url:
        _quiet(app, "lag-600")
        response, took = _timed_post(url + PV, _fetching(f"{base}/lag-600"))
        assert response.status_code == status, response.text
        assert app.state.max_in_flight["lag-600"] == concurrent
        assert took < 2.0


# ---------------------------------------------------------------------------------------------
# A client that stalls or leaves while sending the body


def _raw(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    return socket.create_connection((host, int(port)), timeout=10)


def _stalled_call(url: str, sent: bytes = b'{"hook": "patient-') -> socket.socket:
    sock = _raw(url)
    head = (
        f"POST {PV} HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(sent) + 1000}\r\n\r\n"
    )
    sock.sendall(head.encode() + sent)
    return sock


def _calls_with_status(url: str, status: int) -> float:
    metrics = httpx.get(url + "/metrics").text
    pattern = (
        rf'^cds_calls_total\{{service="spinal-origin-patient-view",status="{status}"\}} (\S+)$'
    )
    found = re.search(pattern, metrics, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_a_stalled_body_is_a_400_after_the_body_timeout(serve: Serve) -> None:
    """Uvicorn itself waits for a body as long as the connection stays open; the app does not."""
    with serve(body_timeout_seconds=0.5) as url:
        started = time.monotonic()
        sock = _stalled_call(url)
        try:
            # Meanwhile the service answers others: the stalled call holds no worker.
            assert httpx.get(url + "/healthz").status_code == 200
            answer = sock.recv(4096).decode()
        finally:
            sock.close()
        took = time.monotonic() - started
        assert answer.startswith("HTTP/1.1 400 "), answer
        assert "did not arrive within 0.5 s" in answer
        assert 0.5 <= took < 2.5


def test_a_client_leaving_mid_body_is_no_server_error(serve: Serve) -> None:
    with serve() as url:
        errors_before = _calls_with_status(url, 500)
        client_before = _calls_with_status(url, 400)
        _stalled_call(url).close()
        deadline = time.monotonic() + 5
        while _calls_with_status(url, 400) == client_before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert _calls_with_status(url, 400) == client_before + 1
        assert _calls_with_status(url, 500) == errors_before


def test_every_limit_is_read_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    limits = {
        "CDS_MAX_BODY_BYTES": ("max_body_bytes", 1234),
        "CDS_MAX_RESOURCES_PER_PREFETCH": ("max_resources_per_prefetch", 7),
        "CDS_MAX_PAGES": ("max_pages", 2),
        "CDS_FETCH_BUDGET_SECONDS": ("fetch_budget_seconds", 0.25),
        "CDS_MAX_CONCURRENT_FETCHES": ("max_concurrent_fetches", 1),
    }
    for variable, (_, value) in limits.items():
        monkeypatch.setenv(variable, str(value))
    settings = Settings()
    for name, value in limits.values():
        assert getattr(settings, name) == value
