"""The fetch path: what the EHR did not prefetch comes from its FHIR server.

The well-behaved server is Medplum's FHIR router (tests/support/fhir_server), not code of ours; the
faults come from tests/misbehaving_fhir.py.
"""

import time
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest

from cds.data.scenarios import FIXTURES_NOW
from tests.support import requests as req
from tests.support.fhir_server import running_fhir_server
from tests.support.service import running_service

PV = "/cds-services/spinal-origin-patient-view"
TOKEN = "fhir-access-token-3f9c"


def _filler(n: int) -> list[dict[str, Any]]:
    """Unrelated Conditions (hypertension), loaded before the relevant ones."""
    return [
        {
            **req.CONDITIONS[0],
            "id": f"c-filler-{i}",
            "code": {"coding": [{"system": "http://snomed.info/sct", "code": "38341003"}]},
        }
        for i in range(n)
    ]


WARFARIN = {
    "resourceType": "MedicationRequest",
    "id": "m-warfarin",
    "status": "active",
    "intent": "order",
    "medicationCodeableConcept": {
        "coding": [{"system": "http://www.nlm.nih.gov/research/umls/rxnorm", "code": "11289"}],
        "text": "Warfarin 3 mg tablets",
    },
    "subject": {"reference": f"Patient/{req.PATIENT_ID}"},
    "authoredOn": "2025-01-10",
}


@pytest.fixture(scope="module")
def fhir_server() -> Iterator[str]:
    resources = [req.PATIENT, *_filler(45), *req.CONDITIONS, WARFARIN]
    with running_fhir_server(resources, token=TOKEN) as url:
        yield url


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("fetch")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="k",
        now=FIXTURES_NOW,
        fetch_budget_seconds=1.0,
        max_pages=5,
    ) as url:
        yield url


def _without_prefetch(fhir_server: str, token: str = TOKEN, **keep: Any) -> dict[str, Any]:
    return req.patient_view(
        fhirServer=fhir_server,
        fhirAuthorization={
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        },
        prefetch=keep,
    )


def _topics(response: httpx.Response) -> list[str]:
    assert response.status_code == 200, response.text
    return [card["source"]["topic"]["code"] for card in response.json()["cards"]]


def test_fetched_data_gives_the_same_cards_as_prefetch(service: str, fhir_server: str) -> None:
    prefetched = httpx.post(service + PV, json=req.patient_view())
    fetched = httpx.post(service + PV, json=_without_prefetch(fhir_server))
    assert _topics(fetched) == _topics(prefetched) != []


def test_search_pages_are_followed(service: str, fhir_server: str) -> None:
    # 45 unrelated Conditions come first: the relevant two sit on the third page of 20.
    assert _topics(httpx.post(service + PV, json=_without_prefetch(fhir_server))) != []


def test_wrong_access_token_is_412(service: str, fhir_server: str) -> None:
    response = httpx.post(service + PV, json=_without_prefetch(fhir_server, token="wrong"))
    assert response.status_code == 412
    assert "could not be read" in response.json()["message"]


def test_fhir_server_not_on_the_allowlist_is_not_fetched(service: str) -> None:
    response = httpx.post(service + PV, json=_without_prefetch("https://fhir.example.org/r4"))
    assert response.status_code == 412
    assert "fhirServer" in response.json()["message"]


FAULTS = [
    "status-500",
    "status-503",
    "status-401",
    "status-403",
    "status-404",
    "slow",
    "not-json",
    "truncated",
    "not-fhir",
    "outcome",
    "redirect",
    "bad-next",
]


@pytest.mark.parametrize("mode", FAULTS)
def test_faults_of_the_fhir_server_are_412(
    service: str, bad_fhir: tuple[str, Any], mode: str
) -> None:
    base, _ = bad_fhir
    started = time.monotonic()
    response = httpx.post(service + PV, json=_without_prefetch(f"{base}/{mode}"), timeout=10)
    assert response.status_code == 412, response.text
    assert time.monotonic() - started < 5, "the time budget must bound the call"


def test_faults_are_told_alike_so_an_address_is_no_oracle(
    service: str, bad_fhir: tuple[str, Any]
) -> None:
    """What an address answered (a status, a time-out, a login page) is not told: the 412 would
    otherwise map the network behind the service."""
    base, _ = bad_fhir
    bodies = {
        mode: httpx.post(service + PV, json=_without_prefetch(f"{base}/{mode}"), timeout=10).json()
        for mode in FAULTS
    }
    assert {orjson.dumps(body) for body in bodies.values()} == {
        orjson.dumps(
            {
                "error": "fhir-server-error",
                "message": "the FHIR server could not be read for conditions",
                "field": "conditions",
            }
        )
    }, bodies


def test_redirect_to_another_host_is_not_followed(service: str, bad_fhir: tuple[str, Any]) -> None:
    base, app = bad_fhir
    app.state.requests.clear()
    httpx.post(service + PV, json=_without_prefetch(f"{base}/redirect"))
    assert all(url.startswith(base) for url in app.state.requests)


def test_endless_next_links_stop_at_the_page_bound_with_412(
    service: str, bad_fhir: tuple[str, Any]
) -> None:
    base, app = bad_fhir
    app.state.requests.clear()
    response = httpx.post(
        service + PV, json=_without_prefetch(f"{base}/endless", patient=req.PATIENT)
    )
    assert response.status_code == 412
    assert "more than 5 pages" in response.json()["message"]
    assert len(app.state.requests) == 4 * 5, "four searches, five pages each"


def test_queries_run_concurrently_within_the_budget(
    service: str, bad_fhir: tuple[str, Any]
) -> None:
    # Five queries that take 0.4 s each: one after another they would overrun the 1 s budget.
    base, app = bad_fhir
    app.state.requests.clear()
    response = httpx.post(service + PV, json=_without_prefetch(f"{base}/lagging"), timeout=10)
    assert response.status_code == 200, response.text
    assert len(app.state.requests) == 5


def test_an_optional_query_failing_still_answers(service: str, bad_fhir: tuple[str, Any]) -> None:
    base, _ = bad_fhir
    request = _without_prefetch(f"{base}/status-500", conditions=req.searchset(req.CONDITIONS))
    assert _topics(httpx.post(service + PV, json=request)) != []


def _detail(response: httpx.Response) -> str:
    assert response.status_code == 200, response.text
    details = [card["detail"] for card in response.json()["cards"]]
    assert details
    return "\n".join(details)


def test_medicines_are_fetched_when_not_prefetched(service: str, fhir_server: str) -> None:
    detail = _detail(httpx.post(service + PV, json=_without_prefetch(fhir_server)))
    assert "no NSAID advice" in detail and "on an anticoagulant" in detail


def test_medicines_neither_prefetched_nor_fetched_still_answer(
    service: str, bad_fhir: tuple[str, Any]
) -> None:
    base, _ = bad_fhir
    request = _without_prefetch(f"{base}/status-500", conditions=req.searchset(req.CONDITIONS))
    detail = _detail(httpx.post(service + PV, json=request))
    assert "medicines not available" in detail
    assert "an NSAID at the lowest" not in detail


def test_prefetched_medicines_are_read(service: str) -> None:
    request = req.patient_view(prefetch={**req.patient_view()["prefetch"], "medications": None})
    detail = _detail(httpx.post(service + PV, json=request))
    assert "medicines not available" not in detail
    assert "an NSAID at the lowest" in detail
