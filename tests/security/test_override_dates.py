"""The client does not choose how long an override lasts: an outcomeTimestamp more than five
minutes ahead of the service's clock is refused, through the running service (the window's
start, the earlier of the timestamp and the receipt, is tested in tests/store)."""

from datetime import timedelta

import httpx
import pytest

from cds.data.scenarios import FIXTURES_NOW as NOW
from tests.support import requests as req

PV = "/cds-services/spinal-origin-patient-view"


def _override(service: str, when: str) -> httpx.Response:
    card = httpx.post(service + PV, json=req.patient_view()).json()["cards"][0]
    entry = {"card": card["uuid"], "outcome": "overridden", "outcomeTimestamp": when}
    return httpx.post(service + PV + "/feedback", json={"feedback": [entry]})


@pytest.mark.parametrize("ahead", [timedelta(minutes=6), timedelta(days=365 * 73)])
def test_an_override_dated_ahead_is_400(service: str, ahead: timedelta) -> None:
    response = _override(service, (NOW + ahead).isoformat())
    assert response.status_code == 400
    assert response.json()["field"] == "feedback.0.outcomeTimestamp"


def test_an_override_a_little_ahead_is_taken(service: str) -> None:
    assert _override(service, (NOW + timedelta(minutes=4)).isoformat()).status_code == 200
