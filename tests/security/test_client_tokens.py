"""Client JWTs through the running service: pinned keys win over `jku` (the sandbox's shape),
lifetimes are bounded, no claim value is a 500, the audience is the public URL whatever the
Host header says, and every refusal is logged with its reason and without the token."""

import json
import logging
import re
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from joserfc import jws
from joserfc.jwk import ECKey

from cds.data.scenarios import FIXTURES_NOW as NOW
from cds.security import parse_trusted_issuers
from tests.support import requests as req
from tests.support.service import OWN_URL, running_service

EHR = "https://ehr.example.org"
EHR_KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-key-1"})
SANDBOX = "https://sandbox.cds-hooks.org"
SANDBOX_JKU = "https://sandbox.cds-hooks.org/.well-known/jwks.json"
SANDBOX_KEY = ECKey.generate_key(
    "P-384", parameters={"kid": "44823f3d-0b01-4a6c-a80e-b9d3e8a7226f"}
)
"""A stand-in for the sandbox's key: the same curve and kid, pinned inline the same way."""
PV = "/cds-services/spinal-origin-patient-view"


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp = tmp_path_factory.mktemp("tokens")
    issuers = {
        EHR: {"keys": [EHR_KEY.as_dict(private=False)]},
        SANDBOX: {"keys": [SANDBOX_KEY.as_dict(private=False)]},
    }
    with running_service(
        database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
        now=NOW,
        trusted_issuers=json.dumps(issuers),
        public_base_url=OWN_URL,
    ) as url:
        yield url


def token(
    audience: str,
    *,
    key: ECKey = EHR_KEY,
    issuer: str = EHR,
    header: dict[str, Any] | None = None,
    **claims: Any,
) -> str:
    """A signed JWT; claims are serialised as given (an int of any size included)."""
    now = int(time.time())
    payload = {"iss": issuer, "aud": audience, "exp": now + 300, "iat": now}
    payload["jti"] = str(uuid.uuid4())
    payload.update(claims)
    protected = {"alg": "ES384", "typ": "JWT", "kid": key.kid, **(header or {})}
    return jws.serialize_compact(protected, json.dumps(payload), key, algorithms=["ES384"])


def call(url: str, bearer: str, **headers: str) -> httpx.Response:
    return httpx.post(
        url + PV,
        json=req.patient_view(),
        headers={"Authorization": f"Bearer {bearer}", **headers},
    )


def test_a_sandbox_shaped_token_is_accepted_with_its_key_pinned(service: str) -> None:
    """ES384, a `jku` header the service cannot fetch (no network), no `sub`: the pinned key
    decides."""
    sandbox = token(service + PV, key=SANDBOX_KEY, issuer=SANDBOX, header={"jku": SANDBOX_JKU})
    response = call(service, sandbox)
    assert response.status_code == 200, response.text


def test_a_pinned_key_is_not_replaced_by_one_a_jku_names(service: str) -> None:
    impostor = ECKey.generate_key("P-384", parameters={"kid": SANDBOX_KEY.kid})
    forged = token(service + PV, key=impostor, issuer=SANDBOX, header={"jku": SANDBOX_JKU})
    assert call(service, forged).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": int(time.time()) + 3600},
        {"iat": int(time.time()) - 3600, "exp": int(time.time()) + 60},
    ],
    ids=["exp-an-hour-ahead", "iat-an-hour-ago"],
)
def test_a_token_living_longer_than_ten_minutes_is_refused(
    service: str, claims: dict[str, int]
) -> None:
    assert call(service, token(service + PV, **claims)).status_code == 401


@pytest.mark.parametrize(
    "claims",
    [
        {"exp": 253_402_300_000},
        {"exp": 10**400},
        {"exp": -(10**400)},
        {"iat": 10**400},
        {"iat": -(10**400)},
        {"nbf": 10**400},
        {"exp": 1e308},
    ],
    ids=[
        "exp-past-9999",
        "exp-400-digits",
        "exp-minus-400-digits",
        "iat-400-digits",
        "iat-minus-400-digits",
        "nbf-400-digits",
        "exp-huge-float",
    ],
)
def test_a_date_claim_of_any_size_is_401_not_500(service: str, claims: dict[str, Any]) -> None:
    assert call(service, token(service + PV, **claims)).status_code == 401


def test_the_host_header_never_shapes_the_audience(service: str) -> None:
    forged_aud = token("http://cds.elsewhere.example" + PV)
    public_aud = token(service + PV)
    assert call(service, forged_aud, Host="cds.elsewhere.example").status_code == 401
    assert call(service, public_aud, Host="cds.elsewhere.example").status_code == 200


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda url: token(url + "/cds-services"), "aud-mismatch"),
        (lambda url: token(url + PV, exp=int(time.time()) - 600), "expired"),
        (lambda url: token(url + PV, exp=int(time.time()) + 3600), "lifetime-too-long"),
        (lambda url: token(url + PV, issuer="https://stranger.example"), "issuer-not-trusted"),
        (lambda url: token(url + PV, header={"kid": "nobody"}), "unknown-kid"),
        (lambda url: "not.a.jwt", "malformed"),
    ],
)
def test_each_refusal_is_logged_with_its_reason_and_without_the_token(
    service: str, caplog: pytest.LogCaptureFixture, make: Any, reason: str
) -> None:
    bearer = make(service)
    with caplog.at_level(logging.INFO, logger="cds"):
        assert call(service, bearer).status_code == 401
    refusals = [r for r in caplog.records if r.getMessage() == "request.refused"]
    assert [r.__dict__["reason"] for r in refusals] == [reason]
    assert all(bearer not in json.dumps(r.__dict__, default=str) for r in caplog.records)


def test_a_replayed_token_is_logged_as_such(service: str, caplog: pytest.LogCaptureFixture) -> None:
    bearer = token(service + PV)
    with caplog.at_level(logging.INFO, logger="cds"):
        assert [call(service, bearer).status_code for _ in range(2)] == [200, 401]
    reasons = [r.__dict__["reason"] for r in caplog.records if r.getMessage() == "request.refused"]
    assert reasons == ["replayed-jti"]


def test_every_call_logs_one_line(service: str, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="cds"):
        answered = call(service, token(service + PV, tenant="north"))
        refused = call(service, "not.a.jwt")
    lines = [r.__dict__ for r in caplog.records if r.getMessage() == "call"]
    assert (answered.status_code, refused.status_code) == (200, 401)
    assert [line["status"] for line in lines] == [200, 401]
    first = lines[0]
    assert first["service"] == "spinal-origin-patient-view"
    assert first["topics"] == [card["source"]["topic"]["code"] for card in answered.json()["cards"]]
    assert first["caller"] == f"{EHR} tenant=north"
    assert len(first["patient"]) == 64 and req.PATIENT_ID not in json.dumps(first, default=str)
    assert first["latency_ms"] > 0
    assert (lines[1]["caller"], lines[1]["patient"]) == (None, None)


def test_the_readme_pins_the_sandboxs_key_inline() -> None:
    readme = (Path(__file__).parents[2] / "README.md").read_text()
    pinned = [raw for raw in re.findall(r"CDS_TRUSTED_ISSUERS='([^']*)'", readme) if "keys" in raw]
    issuers = parse_trusted_issuers(pinned[0])
    jwks = issuers[SANDBOX].jwks
    assert jwks is not None and jwks["keys"][0]["kid"] == SANDBOX_KEY.kid
