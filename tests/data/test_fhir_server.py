"""The test FHIR server answers the reads and searches that our prefetch templates use."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support import fhir_server
from tests.support.fhir_server import FhirServerError, running_fhir_server

PATIENT = "pat-1"
OTHER = "pat-2"
PAGED = "pat-paged"  # 45 Conditions, to page through
TOKEN = "s3cret-token"
FHIR_JSON = "application/fhir+json"


def _ref(patient_id: str) -> dict[str, str]:
    return {"reference": f"Patient/{patient_id}"}


def _coding(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _resources() -> list[dict[str, Any]]:
    loinc, snomed = "http://loinc.org", "http://snomed.info/sct"
    patients: list[dict[str, Any]] = [
        {"resourceType": "Patient", "id": pid, "name": [{"family": pid}]}
        for pid in (PATIENT, OTHER, PAGED)
    ]
    conditions: list[dict[str, Any]] = [
        {"resourceType": "Condition", "id": "cond-1", "subject": _ref(PATIENT)},
        {"resourceType": "Condition", "id": "cond-2", "subject": _ref(PATIENT)},
        {"resourceType": "Condition", "id": "cond-other", "subject": _ref(OTHER)},
    ] + [
        {"resourceType": "Condition", "id": f"paged-{i:02d}", "subject": _ref(PAGED)}
        for i in range(45)
    ]
    observations: list[dict[str, Any]] = [
        {
            "resourceType": "Observation",
            "id": oid,
            "status": "final",
            "subject": _ref(pid),
            "code": _coding(system, code),
        }
        for oid, pid, system, code in [
            ("obs-pain", PATIENT, loinc, "72514-3"),  # pain severity (LOINC)
            ("obs-snomed", PATIENT, snomed, "44077006"),
            ("obs-unrelated", PATIENT, loinc, "8867-4"),  # heart rate: not asked for
            ("obs-wrong-system", PATIENT, snomed, "72514-3"),  # right code, wrong system
            ("obs-other", OTHER, loinc, "72514-3"),
        ]
    ]
    service_requests: list[dict[str, Any]] = [
        {
            "resourceType": "ServiceRequest",
            "id": f"sr-{status}",
            "status": status,
            "intent": "order",
            "subject": _ref(PATIENT),
        }
        for status in ("active", "draft", "completed", "revoked")
    ]
    return patients + conditions + observations + service_requests


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with running_fhir_server(_resources(), page_size=20) as url:
        yield url


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with httpx.Client(timeout=10, headers={"Accept": FHIR_JSON}) as c:
        yield c


def _search_ids(client: httpx.Client, url: str, **params: str) -> list[str]:
    response = client.get(url, params=params)
    assert response.status_code == 200, response.text
    bundle = response.json()
    assert bundle["resourceType"] == "Bundle"
    assert bundle["type"] == "searchset"
    return [entry["resource"]["id"] for entry in bundle.get("entry", [])]


def test_read_patient_by_id(client: httpx.Client, base_url: str) -> None:
    response = client.get(f"{base_url}/Patient/{PATIENT}")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    patient = response.json()
    assert (patient["resourceType"], patient["id"]) == ("Patient", PATIENT)


def test_read_unknown_patient_is_404_operation_outcome(client: httpx.Client, base_url: str) -> None:
    response = client.get(f"{base_url}/Patient/nobody")
    assert response.status_code == 404
    assert response.json()["resourceType"] == "OperationOutcome"


def test_condition_search_by_bare_patient_id(client: httpx.Client, base_url: str) -> None:
    # `patient={{context.patientId}}` sends the bare id.
    ids = _search_ids(client, f"{base_url}/Condition", patient=PATIENT)
    assert sorted(ids) == ["cond-1", "cond-2"]
    ids = _search_ids(client, f"{base_url}/Condition", patient=f"Patient/{PATIENT}")
    assert sorted(ids) == ["cond-1", "cond-2"]


def test_observation_search_by_comma_separated_system_code_tokens(
    client: httpx.Client, base_url: str
) -> None:
    code = "http://loinc.org|72514-3,http://snomed.info/sct|44077006"
    ids = _search_ids(client, f"{base_url}/Observation", patient=PATIENT, code=code)
    assert sorted(ids) == ["obs-pain", "obs-snomed"]


def test_service_request_search_by_status_list(client: httpx.Client, base_url: str) -> None:
    url = f"{base_url}/ServiceRequest"
    ids = _search_ids(client, url, patient=PATIENT, status="active,draft")
    assert sorted(ids) == ["sr-active", "sr-draft"]


def test_search_bundle_has_absolute_self_link_and_full_urls(
    client: httpx.Client, base_url: str
) -> None:
    bundle = client.get(f"{base_url}/Condition", params={"patient": PATIENT}).json()
    links = {link["relation"]: link["url"] for link in bundle["link"]}
    assert links["self"].startswith(f"{base_url}/Condition?")
    assert "next" not in links
    assert bundle["total"] == 2
    assert {e["fullUrl"] for e in bundle["entry"]} == {
        f"{base_url}/Condition/cond-1",
        f"{base_url}/Condition/cond-2",
    }


def _follow_next(client: httpx.Client, first: httpx.Response) -> list[list[str]]:
    """Return the ids of every page, following `next` links to the end."""
    pages: list[list[str]] = []
    response = first
    for _ in range(20):  # bounded
        assert response.status_code == 200, response.text
        bundle = response.json()
        pages.append([entry["resource"]["id"] for entry in bundle.get("entry", [])])
        next_url = next((x["url"] for x in bundle.get("link", []) if x["relation"] == "next"), None)
        if next_url is None:
            return pages
        response = client.get(next_url)
    raise AssertionError("too many pages")


def test_default_page_size_and_next_links_reach_every_result(
    client: httpx.Client, base_url: str
) -> None:
    first = client.get(f"{base_url}/Condition", params={"patient": PAGED})
    assert first.json()["total"] == 45
    pages = _follow_next(client, first)
    assert [len(page) for page in pages] == [20, 20, 5]
    ids = [cid for page in pages for cid in page]
    assert sorted(ids) == [f"paged-{i:02d}" for i in range(45)]  # each id exactly once


def test_explicit_count_pages_and_previous_link(client: httpx.Client, base_url: str) -> None:
    first = client.get(f"{base_url}/Condition", params={"patient": PAGED, "_count": "10"})
    pages = _follow_next(client, first)
    assert [len(page) for page in pages] == [10, 10, 10, 10, 5]
    assert len({cid for page in pages for cid in page}) == 45
    second = client.get(f"{base_url}/Condition?patient={PAGED}&_count=10&_offset=10").json()
    links = {link["relation"]: link["url"] for link in second["link"]}
    assert "_offset" not in links["previous"]
    assert "_offset=20" in links["next"]


def test_invalid_count_is_400(client: httpx.Client, base_url: str) -> None:
    response = client.get(f"{base_url}/Condition", params={"patient": PATIENT, "_count": "x"})
    assert response.status_code == 400
    assert response.json()["resourceType"] == "OperationOutcome"


def test_metadata_is_a_capability_statement(client: httpx.Client, base_url: str) -> None:
    response = client.get(f"{base_url}/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith(FHIR_JSON)
    statement = response.json()
    assert statement["resourceType"] == "CapabilityStatement"
    assert statement["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in statement["rest"][0]["resource"]}
    assert {"Patient", "Condition", "Observation", "ServiceRequest"} <= types


def test_paths_outside_the_base_are_404(client: httpx.Client, base_url: str) -> None:
    root = base_url.removesuffix("/fhir")
    assert client.get(f"{root}/Patient/{PATIENT}").status_code == 404


@pytest.fixture(scope="module")
def secured_url() -> Iterator[str]:
    patient = {"resourceType": "Patient", "id": PATIENT}
    with running_fhir_server([patient], token=TOKEN) as url:
        yield url


@pytest.mark.parametrize("authorization", [None, "Bearer wrong", f"Basic {TOKEN}", TOKEN])
def test_token_required_missing_or_wrong_is_401(
    client: httpx.Client, secured_url: str, authorization: str | None
) -> None:
    headers = {"Authorization": authorization} if authorization else {}
    for path in (f"/Patient/{PATIENT}", f"/Condition?patient={PATIENT}", "/metadata"):
        response = client.get(secured_url + path, headers=headers)
        assert response.status_code == 401
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["resourceType"] == "OperationOutcome"


def test_token_required_right_token_is_accepted(client: httpx.Client, secured_url: str) -> None:
    headers = {"Authorization": f"Bearer {TOKEN}"}
    response = client.get(f"{secured_url}/Patient/{PATIENT}", headers=headers)
    assert response.status_code == 200
    assert response.json()["id"] == PATIENT


def test_server_is_stopped_on_exit_even_after_an_error() -> None:
    with pytest.raises(ZeroDivisionError), running_fhir_server([]) as url:
        assert httpx.get(f"{url}/metadata").status_code == 200
        1 / 0  # noqa: B018
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{url}/metadata")


def test_startup_failure_reports_the_server_stderr() -> None:
    duplicate = [{"resourceType": "Patient", "id": "x"}, {"resourceType": "Patient", "id": "x"}]
    expected = "Assigned ID is already in use"
    with pytest.raises(FhirServerError, match=expected), running_fhir_server(duplicate):
        pass  # pragma: no cover


def test_missing_node_modules_says_to_run_make_test(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(fhir_server, "SERVER_DIR", tmp_path)
    with pytest.raises(FhirServerError, match="make test"), running_fhir_server([]):
        pass  # pragma: no cover
