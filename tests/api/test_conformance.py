"""CDS Hooks 2.0 conformance, against the service running in uvicorn on a loopback port."""

import re
from typing import Any

import httpx
import orjson
import pytest

from tests.support import requests as req

SERVICE_IDS = {
    "spinal-origin-patient-view": "patient-view",
    "spinal-origin-order-select": "order-select",
    "spinal-origin-order-sign": "order-sign",
}
PV = "/cds-services/spinal-origin-patient-view"


@pytest.fixture(scope="module")
def client(service: str) -> Any:
    with httpx.Client(base_url=service, timeout=10) as client:
        yield client


def _no_empty(value: Any, path: str = "$") -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            assert item not in (None, "", [], {}), f"{path}.{key} is empty"
            _no_empty(item, f"{path}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _no_empty(item, f"{path}[{index}]")


def _error(response: httpx.Response, status: int, field: str | None = None) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = response.json()
    assert body["message"]
    if field is not None:
        assert body.get("field") == field, body
    return body


class TestDiscovery:
    def test_lists_the_three_services(self, client: httpx.Client) -> None:
        services = client.get("/cds-services").json()["services"]
        assert {s["id"]: s["hook"] for s in services} == SERVICE_IDS
        for service in services:
            assert service["title"] and service["description"] and service["usageRequirements"]
            assert set(service["prefetch"]) == {
                "patient",
                "conditions",
                "observations",
                "serviceRequests",
                "medications",
            }
            assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"

    def test_prefetch_templates_use_only_cds_hooks_tokens(self, client: httpx.Client) -> None:
        for service in client.get("/cds-services").json()["services"]:
            for template in service["prefetch"].values():
                tokens = re.findall(r"\{\{(.*?)\}\}", template)
                assert tokens == ["context.patientId"], template

    def test_observation_template_names_the_codes_the_engine_reads(
        self, client: httpx.Client
    ) -> None:
        template = client.get("/cds-services").json()["services"][0]["prefetch"]["observations"]
        assert "http://loinc.org|8310-5" in template  # body temperature: the infection red flag


class TestServiceCall:
    def test_spec_shaped_patient_view_gets_cards(self, client: httpx.Client) -> None:
        response = client.post(PV, json=req.patient_view())
        assert response.status_code == 200, response.text
        cards = response.json()["cards"]
        assert cards, "a lumbar radiculopathy with right knee pain should give a card"
        _no_empty(response.json())
        for card in cards:
            assert card["uuid"] and len(card["summary"]) <= 140
            assert card["indicator"] in {"info", "warning", "critical"}
            assert card["source"]["label"]
            for suggestion in card.get("suggestions", []):
                assert suggestion["uuid"]

    @pytest.mark.parametrize(
        "service_id", ["spinal-origin-order-select", "spinal-origin-order-sign"]
    )
    def test_order_hooks_answer(self, client: httpx.Client, service_id: str) -> None:
        response = client.post(
            f"/cds-services/{service_id}", json=req.order_request(SERVICE_IDS[service_id])
        )
        assert response.status_code == 200, response.text
        topics = {c["source"]["topic"]["code"] for c in response.json()["cards"]}
        assert "order-spinal-origin" in topics

    def test_sandbox_draft_orders_without_bundle_type(self, client: httpx.Client) -> None:
        request = req.order_request("order-sign")
        assert "type" not in request["context"]["draftOrders"]
        assert (
            client.post("/cds-services/spinal-origin-order-sign", json=request).status_code == 200
        )

    def test_no_card_when_nothing_applies(self, client: httpx.Client) -> None:
        request = req.patient_view()
        request["prefetch"]["conditions"] = req.searchset([])
        assert client.post(PV, json=request).json() == {"cards": []}

    def test_unknown_service_is_404(self, client: httpx.Client) -> None:
        _error(client.post("/cds-services/nope", json=req.patient_view()), 404, "id")

    def test_hook_must_match_the_service(self, client: httpx.Client) -> None:
        _error(client.post(PV, json=req.patient_view(hook="order-sign")), 400, "hook")

    @pytest.mark.parametrize("field", ["hookInstance", "hook", "context"])
    def test_envelope_fields_required(self, client: httpx.Client, field: str) -> None:
        request = req.patient_view()
        del request[field]
        _error(client.post(PV, json=request), 400, field)

    @pytest.mark.parametrize(
        ("hook", "field"),
        [
            ("patient-view", "userId"),
            ("patient-view", "patientId"),
            ("order-select", "patientId"),
            ("order-select", "selections"),
            ("order-select", "draftOrders"),
            ("order-sign", "patientId"),
            ("order-sign", "draftOrders"),
        ],
    )
    def test_context_fields_per_hook(self, client: httpx.Client, hook: str, field: str) -> None:
        request = req.patient_view() if hook == "patient-view" else req.order_request(hook)
        del request["context"][field]
        _error(
            client.post(f"/cds-services/spinal-origin-{hook}", json=request),
            400,
            f"context.{field}",
        )

    def test_draft_orders_must_be_a_bundle(self, client: httpx.Client) -> None:
        request = req.order_request("order-sign")
        request["context"]["draftOrders"] = {"resourceType": "Patient"}
        body = _error(client.post("/cds-services/spinal-origin-order-sign", json=request), 400)
        assert body["field"].startswith("context.draftOrders")

    def test_fhir_authorization_needs_fhir_server(self, client: httpx.Client) -> None:
        request = req.patient_view(
            fhirAuthorization={
                "access_token": "secret",
                "token_type": "Bearer",
                "expires_in": 300,
                "scope": "patient/*.read",
                "subject": "cds-service",
            }
        )
        body = _error(client.post(PV, json=request), 400)
        assert "fhirServer" in body["message"]

    @pytest.mark.parametrize("body", [b"[1, 2]", b'"text"', b"42", b"null"])
    def test_body_must_be_a_json_object(self, client: httpx.Client, body: bytes) -> None:
        _error(client.post(PV, content=body, headers={"content-type": "application/json"}), 400)

    def test_invalid_json_is_400(self, client: httpx.Client) -> None:
        _error(
            client.post(PV, content=b'{"hook": ', headers={"content-type": "application/json"}), 400
        )

    def test_body_over_5_mib_is_413(self, client: httpx.Client) -> None:
        request = req.patient_view(padding="x" * (5 * 1024 * 1024))
        _error(
            client.post(
                PV, content=orjson.dumps(request), headers={"content-type": "application/json"}
            ),
            413,
        )

    def test_wrong_content_type_is_415(self, client: httpx.Client) -> None:
        response = client.post(
            PV, content=orjson.dumps(req.patient_view()), headers={"content-type": "text/plain"}
        )
        _error(response, 415, "Content-Type")

    def test_prefetch_value_must_be_a_resource_or_null(self, client: httpx.Client) -> None:
        request = req.patient_view()
        request["prefetch"]["conditions"] = ["not", "a", "bundle"]
        _error(client.post(PV, json=request), 400, "prefetch.conditions")

    def test_null_prefetch_means_no_data_not_a_fetch(self, client: httpx.Client) -> None:
        request = req.patient_view()
        request["prefetch"]["conditions"] = None
        request["prefetch"]["observations"] = None
        assert client.post(PV, json=request).json() == {"cards": []}

    def test_missing_conditions_without_fhir_server_is_412(self, client: httpx.Client) -> None:
        request = req.patient_view()
        del request["prefetch"]["conditions"]
        body = _error(client.post(PV, json=request), 412)
        assert "conditions" in body["message"]

    def test_operation_outcome_in_prefetch_counts_as_missing(self, client: httpx.Client) -> None:
        request = req.patient_view()
        request["prefetch"]["conditions"] = {"resourceType": "OperationOutcome", "issue": []}
        _error(client.post(PV, json=request), 412)


class TestFeedback:
    def _feedback(self, card: str, **item: Any) -> dict[str, Any]:
        entry = {"card": card, "outcome": "accepted", "outcomeTimestamp": "2026-06-01T09:05:00Z"}
        entry.update(item)
        return {"feedback": [entry]}

    def test_feedback_is_stored(self, client: httpx.Client) -> None:
        card = client.post(PV, json=req.patient_view()).json()["cards"][0]
        suggestion = card["suggestions"][0]["uuid"]
        body = self._feedback(card["uuid"], acceptedSuggestions=[{"id": suggestion}])
        response = client.post(f"{PV}/feedback", json=body)
        assert response.status_code == 200, response.text
        assert response.json()["stored"] == 1
        assert client.post(f"{PV}/feedback", json=body).json() == {
            "stored": 0,
            "duplicates": 1,
            "unknownCards": 0,
        }

    def test_override_with_reason(self, client: httpx.Client) -> None:
        body = self._feedback(
            "5b3b7b0e-7d3c-4a7e-9a50-8f9d7b0a1c11",
            outcome="overridden",
            overrideReason={
                "reason": {
                    "system": "https://spinal-origin-cds.example.org/CodeSystem/override-reason",
                    "code": "patient-declined",
                },
                "userComment": "Prefers to wait",
            },
        )
        response = client.post(f"{PV}/feedback", json=body)
        assert response.json() == {"stored": 1, "duplicates": 0, "unknownCards": 1}

    def test_malformed_batch_stores_nothing(self, client: httpx.Client) -> None:
        good = self._feedback("aaaaaaaa-7d3c-4a7e-9a50-8f9d7b0a1c11")["feedback"][0]
        bad = {"card": "bbbb", "outcome": "maybe", "outcomeTimestamp": "2026-06-01T09:05:00Z"}
        _error(
            client.post(f"{PV}/feedback", json={"feedback": [good, bad]}), 400, "feedback.1.outcome"
        )
        again = client.post(f"{PV}/feedback", json={"feedback": [good]}).json()
        assert again["stored"] == 1, "the good entry of the refused batch must not have been stored"

    @pytest.mark.parametrize(
        "body",
        [{}, {"feedback": []}, {"feedback": [{"card": "x", "outcome": "accepted"}]}],
    )
    def test_invalid_feedback_is_400(self, client: httpx.Client, body: dict[str, Any]) -> None:
        _error(client.post(f"{PV}/feedback", json=body), 400)

    def test_feedback_for_unknown_service_is_404(self, client: httpx.Client) -> None:
        _error(client.post("/cds-services/nope/feedback", json=self._feedback("x")), 404)


class TestOperations:
    def test_health_and_readiness(self, client: httpx.Client) -> None:
        assert client.get("/healthz").json() == {"status": "ok"}
        ready = client.get("/readyz")
        assert ready.status_code == 200 and ready.json()["store"] == "ok"
        assert "open" in ready.json()["security"]

    def test_cors_preflight_answered_without_auth(self, client: httpx.Client) -> None:
        response = client.options(
            PV,
            headers={
                "Origin": "https://sandbox.cds-hooks.org",
                "Access-Control-Request-Method": "POST",
                "Access-Control-Request-Headers": "authorization,content-type",
            },
        )
        assert response.status_code == 200
        assert response.headers["access-control-allow-origin"] in {
            "*",
            "https://sandbox.cds-hooks.org",
        }

    def test_metrics_count_calls(self, client: httpx.Client) -> None:
        client.post(PV, json=req.patient_view())
        text = client.get("/metrics").text
        assert re.search(
            r'cds_calls_total\{service="spinal-origin-patient-view",status="200"\} [1-9]', text
        )
