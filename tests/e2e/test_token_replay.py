"""A client JWT is used once across every process on one store: replayed to another replica
(or after a restart) it is refused, on SQLite and on PostgreSQL."""

import json
import time
import uuid
from contextlib import ExitStack

import httpx
from joserfc import jwt
from joserfc.jwk import ECKey

from tests.e2e.services import serve
from tests.support import requests as req

ISSUER = "https://ehr.example.org"
KEY = ECKey.generate_key("P-384", parameters={"kid": "ehr-key-1"})
PUBLIC = "https://cds.hospital.example"
PV = "/cds-services/spinal-origin-patient-view"


def _token() -> str:
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": PUBLIC + PV, "exp": now + 300, "iat": now}
    claims["jti"] = str(uuid.uuid4())
    return jwt.encode({"alg": "ES384", "kid": KEY.kid}, claims, KEY, algorithms=["ES384"])


def test_a_token_used_on_one_replica_is_refused_on_another(db: str) -> None:
    issuers = json.dumps({ISSUER: {"keys": [KEY.as_dict(private=False)]}})
    settings = {"trusted_issuers": issuers, "public_base_url": PUBLIC}
    token = {"Authorization": f"Bearer {_token()}"}
    with ExitStack() as running:
        first = running.enter_context(serve(db, **settings))
        second = running.enter_context(serve(db, **settings))
        used = httpx.post(first + PV, json=req.patient_view(), headers=token, timeout=10)
        replayed = httpx.post(second + PV, json=req.patient_view(), headers=token, timeout=10)
    assert (used.status_code, replayed.status_code) == (200, 401)
    assert "already been used" in replayed.json()["message"]
