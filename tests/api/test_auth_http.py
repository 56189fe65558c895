"""CDS client JWTs checked on every CDS endpoint of the running service."""

import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import orjson
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from cds.data.scenarios import FIXTURES_NOW
from tests.support import requests as req
from tests.support.service import OWN_URL, running_service

ISSUER = "https://ehr.example.org"
KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-key-1"})
PV = "/cds-services/spinal-origin-patient-view"


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    jwks = {"keys": [KEY.as_dict(private=False)]}
    tmp = tmp_path_factory.mktemp("auth")
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        patient_hash_key="k",
        now=FIXTURES_NOW,
        trusted_issuers=orjson.dumps({ISSUER: jwks}).decode(),
        public_base_url=OWN_URL,
        cors_origins="https://sandbox.cds-hooks.org",
    ) as url:
        yield url


def _token(audience: str, **claims: Any) -> str:
    now = int(time.time())
    payload = {
        "iss": ISSUER,
        "aud": audience,
        "exp": now + 300,
        "iat": now,
        "jti": str(uuid.uuid4()),
    }
    payload.update(claims)
    header = {"alg": "ES384", "kid": "ehr-key-1", "typ": "JWT"}
    return jwt.encode(header, payload, KEY, algorithms=["ES384"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_a_valid_token_is_accepted_on_each_endpoint(secured: str) -> None:
    assert (
        httpx.get(
            secured + "/cds-services", headers=_bearer(_token(secured + "/cds-services"))
        ).status_code
        == 200
    )
    call = httpx.post(secured + PV, json=req.patient_view(), headers=_bearer(_token(secured + PV)))
    assert call.status_code == 200, call.text
    feedback = {
        "feedback": [
            {
                "card": call.json()["cards"][0]["uuid"],
                "outcome": "accepted",
                "outcomeTimestamp": "2026-06-01T09:05:00Z",
            }
        ]
    }
    url = secured + PV + "/feedback"
    assert httpx.post(url, json=feedback, headers=_bearer(_token(url))).status_code == 200


@pytest.mark.parametrize(
    ("method", "path"),
    [("GET", "/cds-services"), ("POST", PV), ("POST", PV + "/feedback")],
)
def test_missing_token_is_401_with_www_authenticate(secured: str, method: str, path: str) -> None:
    response = httpx.request(method, secured + path, json=req.patient_view())
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"] == "unauthorized"


def test_token_for_another_url_is_refused(secured: str) -> None:
    response = httpx.post(
        secured + PV, json=req.patient_view(), headers=_bearer(_token(secured + "/cds-services"))
    )
    assert response.status_code == 401


def test_replayed_token_is_refused(secured: str) -> None:
    token = _token(secured + PV)
    assert (
        httpx.post(secured + PV, json=req.patient_view(), headers=_bearer(token)).status_code == 200
    )
    assert (
        httpx.post(secured + PV, json=req.patient_view(), headers=_bearer(token)).status_code == 401
    )


def test_preflight_and_health_need_no_token(secured: str) -> None:
    preflight = httpx.options(
        secured + PV,
        headers={
            "Origin": "https://sandbox.cds-hooks.org",
            "Access-Control-Request-Method": "POST",
        },
    )
    assert preflight.status_code == 200
    assert httpx.get(secured + "/healthz").status_code == 200
    assert httpx.get(secured + "/readyz").json()["security"] == "jwt"


def test_behind_a_proxy_the_audience_is_the_public_url(tmp_path: Any) -> None:
    public = "https://cds.hospital.example"
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        now=FIXTURES_NOW,
        trusted_issuers=orjson.dumps({ISSUER: {"keys": [KEY.as_dict(private=False)]}}).decode(),
        public_base_url=public,
    ) as url:
        ok = httpx.get(url + "/cds-services", headers=_bearer(_token(public + "/cds-services")))
        wrong = httpx.get(url + "/cds-services", headers=_bearer(_token(url + "/cds-services")))
    assert (ok.status_code, wrong.status_code) == (200, 401)
