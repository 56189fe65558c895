"""What the service's FHIR client may do for a caller, through the running service: fetch only
from servers named in CDS_ALLOWED_FHIR_SERVERS, carry nothing from one call to the next, read
no more than a bounded body however it is compressed, and survive any `next` link."""

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from cds.data.scenarios import FIXTURES_NOW as NOW
from tests.support import requests as req
from tests.support.service import running_service

PV = "/cds-services/spinal-origin-patient-view"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("outbound")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="k",
        now=NOW,
        max_fhir_response_bytes=1024 * 1024,
    ) as url:
        yield url


def _fetching(fhir_server: str, token: str | None = None) -> dict[str, Any]:
    authorization = (
        {
            "access_token": token,
            "token_type": "Bearer",
            "expires_in": 300,
            "scope": "patient/*.read",
            "subject": "cds-service",
        }
        if token
        else None
    )
    request = req.patient_view(fhirServer=fhir_server, prefetch={})
    if authorization:
        request["fhirAuthorization"] = authorization
    return request


def test_no_cookie_a_fhir_server_set_is_ever_sent_again(
    service: str, bad_fhir: tuple[str, Any]
) -> None:
    """Hospital A's session cookie, set during its authenticated call, must not ride along on
    anyone's later call (the client is shared by every caller)."""
    base, app = bad_fhir
    app.state.cookies.clear()
    first = httpx.post(service + PV, json=_fetching(f"{base}/cookie", token="hospital-a"))
    later = httpx.post(service + PV, json=_fetching(f"{base}/cookie"))
    assert (first.status_code, later.status_code) == (200, 200), later.text
    assert app.state.cookies == []


def test_no_fhir_server_is_fetched_from_by_default(
    tmp_path: Any, bad_fhir: tuple[str, Any]
) -> None:
    base, app = bad_fhir
    app.state.requests.clear()
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}", allowed_fhir_servers=None
    ) as url:
        response = httpx.post(url + PV, json=_fetching(f"{base}/ok"))
    assert response.status_code == 412
    assert "not an allowed FHIR server" in response.json()["message"]
    assert app.state.requests == []


def test_a_compressed_body_is_read(service: str, bad_fhir: tuple[str, Any]) -> None:
    base, _ = bad_fhir
    response = httpx.post(service + PV, json=_fetching(f"{base}/gzip"))
    assert response.status_code == 200, response.text


def test_a_body_too_large_once_inflated_is_412(service: str, bad_fhir: tuple[str, Any]) -> None:
    """8 MB of valid JSON sent as 8 kB of gzip, against a 1 MiB bound."""
    base, _ = bad_fhir
    response = httpx.post(service + PV, json=_fetching(f"{base}/gzip-bomb-8"), timeout=10)
    assert response.status_code == 412, response.text
    assert response.json()["message"] == "the FHIR server could not be read for conditions"


def test_a_next_link_that_is_no_url_is_412_not_500(service: str, bad_fhir: tuple[str, Any]) -> None:
    base, _ = bad_fhir
    response = httpx.post(service + PV, json=_fetching(f"{base}/bad-next"))
    assert response.status_code == 412, response.text
