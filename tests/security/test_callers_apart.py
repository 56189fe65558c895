"""Callers are kept apart, through the running service: one EHR (an issuer, or one tenant of an
issuer) cannot hide another's cards or remove their physiotherapy suggestion, for the same
patient id; its feedback on their cards counts as feedback on an unknown card."""

import json
import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import ECKey

from cds.data.scenarios import FIXTURES_NOW as NOW
from tests.support import requests as req
from tests.support.service import OWN_URL, running_service

HOSPITAL_A = "https://ehr.hospital-a.example"
HOSPITAL_B = "https://ehr.hospital-b.example"
KEYS = {
    issuer: ECKey.generate_key("P-384", parameters={"kid": f"key-{n}"})
    for n, issuer in enumerate((HOSPITAL_A, HOSPITAL_B))
}
PV = "/cds-services/spinal-origin-patient-view"
PHYSIOTHERAPY = "308447003"
WHEN = (NOW + timedelta(minutes=1)).isoformat()


@pytest.fixture
def service(tmp_path: Any) -> Iterator[str]:
    issuers = {issuer: {"keys": [key.as_dict(private=False)]} for issuer, key in KEYS.items()}
    with running_service(
        database_url=f"sqlite:///{tmp_path / 'cds.sqlite3'}",
        patient_hash_key="k",
        now=NOW,
        trusted_issuers=json.dumps(issuers),
        public_base_url=OWN_URL,
    ) as url:
        yield url


class Ehr:
    """One caller: an issuer, and a tenant of it when given."""

    def __init__(self, url: str, issuer: str, tenant: str | None = None) -> None:
        self.url, self.issuer, self.tenant = url, issuer, tenant

    def _headers(self, path: str) -> dict[str, str]:
        now = int(time.time())
        claims = {"iss": self.issuer, "aud": self.url + path, "exp": now + 300, "iat": now}
        claims["jti"] = str(uuid.uuid4())
        if self.tenant:
            claims["tenant"] = self.tenant
        key = KEYS[self.issuer]
        signed = jwt.encode({"alg": "ES384", "kid": key.kid}, claims, key, algorithms=["ES384"])
        return {"Authorization": f"Bearer {signed}"}

    def cards(self) -> list[dict[str, Any]]:
        response = httpx.post(self.url + PV, json=req.patient_view(), headers=self._headers(PV))
        assert response.status_code == 200, response.text
        cards: list[dict[str, Any]] = response.json()["cards"]
        return cards

    def feedback(self, *entries: dict[str, Any]) -> dict[str, int]:
        path = PV + "/feedback"
        response = httpx.post(
            self.url + path, json={"feedback": list(entries)}, headers=self._headers(path)
        )
        assert response.status_code == 200, response.text
        answer: dict[str, int] = response.json()
        return answer


def overridden(card: dict[str, Any]) -> dict[str, Any]:
    reason = {"system": "http://example.org/override", "code": "not-relevant"}
    return {
        "card": card["uuid"],
        "outcome": "overridden",
        "overrideReason": {"reason": reason},
        "outcomeTimestamp": WHEN,
    }


def accepted_physiotherapy(card: dict[str, Any]) -> dict[str, Any]:
    physio = [s["uuid"] for s in card["suggestions"] if PHYSIOTHERAPY in json.dumps(s)]
    assert physio, "the card suggests a physiotherapy referral"
    return {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": physio[0]}],
        "outcomeTimestamp": WHEN,
    }


def _physiotherapy_card(cards: list[dict[str, Any]]) -> dict[str, Any]:
    return next(card for card in cards if PHYSIOTHERAPY in json.dumps(card))


def _shown(cards: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(c["summary"], [s["label"] for s in c.get("suggestions", [])]) for c in cards]


def test_another_hospital_cannot_hide_a_card_or_its_physiotherapy(service: str) -> None:
    a, b = Ehr(service, HOSPITAL_A), Ehr(service, HOSPITAL_B)
    before = a.cards()
    card = _physiotherapy_card(before)

    answer = b.feedback(overridden(card), accepted_physiotherapy(card))

    assert answer["unknownCards"] == 2
    assert _shown(a.cards()) == _shown(before)


def test_tenants_of_one_issuer_are_callers_apart(service: str) -> None:
    north, south = Ehr(service, HOSPITAL_A, "north"), Ehr(service, HOSPITAL_A, "south")
    card = _physiotherapy_card(north.cards())

    assert south.feedback(overridden(card))["unknownCards"] == 1
    assert north.feedback(overridden(card))["unknownCards"] == 0
    assert card["summary"] not in [c["summary"] for c in north.cards()], "hidden for north"
    assert card["summary"] in [c["summary"] for c in south.cards()], "not for south"
