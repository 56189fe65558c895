"""Every call answered leaves one audit row (service, status, topics, latency) and no patient
data; a call to no service (404) is counted, not written (see tests/security)."""

import httpx

from tests.e2e.services import serve
from tests.support import requests as req
from tests.support.tables import rows

PV = "/cds-services/spinal-origin-patient-view"


def test_every_call_is_audited_without_patient_data(db: str) -> None:
    request = req.patient_view()
    with serve(db) as url, httpx.Client(base_url=url, timeout=10) as client:
        assert client.post(PV, json=request).status_code == 200
        assert client.post(PV, json=req.patient_view(hook="order-sign")).status_code == 400
        assert client.post("/cds-services/nope", json=request).status_code == 404
    audit = sorted(rows(db, "call_audit"), key=lambda row: row["http_status"])
    assert [(row["service_id"], row["http_status"]) for row in audit] == [
        ("spinal-origin-patient-view", 200),
        ("spinal-origin-patient-view", 400),
    ]
    assert audit[0]["hook_instance"] == request["hookInstance"]
    assert audit[0]["topics"] and audit[0]["card_count"] >= 1 and audit[0]["latency_ms"] > 0
    stored = " ".join(str(value) for row in audit for value in row.values())
    assert req.PATIENT_ID not in stored and "Okonkwo" not in stored
