"""/metrics: the call, card and feedback counters move with calls and feedback.

The counters are process-wide and other tests run services in this process too, so the test
compares two scrapes rather than absolute values."""

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.clinic import PV, RADICULAR, call, one_card, overridden, post_feedback

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]
SERVICE = "spinal-origin-patient-view"


def scrape(client: httpx.Client) -> Samples:
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def moved(before: Samples, after: Samples, name: str, **labels: str) -> float:
    key = (name, frozenset(labels.items()))
    return after.get(key, 0.0) - before.get(key, 0.0)


def test_counters_move_with_calls_and_feedback(client: httpx.Client) -> None:
    before = scrape(client)

    card = one_card(call(client, RADICULAR), "spinal-origin")
    post_feedback(client, overridden(card))
    assert call(client, RADICULAR) == []
    assert client.post(PV, json={"hook": "patient-view"}).status_code == 400

    after = scrape(client)
    assert moved(before, after, "cds_calls_total", service=SERVICE, status="200") == 2
    assert moved(before, after, "cds_calls_total", service=SERVICE, status="400") == 1
    assert moved(before, after, "cds_cards_total", topic="spinal-origin", indicator="warning") == 1
    assert moved(before, after, "cds_cards_suppressed_total", topic="spinal-origin") == 1
    assert moved(before, after, "cds_feedback_total", outcome="overridden") == 1
    assert moved(before, after, "cds_feedback_total", outcome="accepted") == 0
    assert moved(before, after, "cds_call_latency_seconds_count", service=SERVICE) == 3
