"""Property tests: whatever an EHR sends, the answer is cards or a clear 4xx, never a crash.

Two targets: whole requests through HTTP (wrong types, missing fields, unknown codes, huge
strings, deep nesting, odd unicode, duplicates), and FHIR resources corrupted one at a time,
mostly through the pure `cds.evaluation.evaluate` (fast) and a few through HTTP.
"""

import copy
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, cast

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds.api.openapi import FEEDBACK_EXAMPLE
from cds.data.scenarios import FIXTURES_NOW, Scenario, load_scenarios
from cds.evaluation import Evaluation, evaluate
from cds.facts.fhir.resources import ConditionRead, ObservationRead
from cds.types import Hook
from tests.support.damage import damage, dumps, json_values
from tests.support.scenarios import assert_well_formed, record_from_request
from tests.support.service import running_service

SCENARIOS = load_scenarios()
WITH_CARDS = [s for s in SCENARIOS if s.expect["cards"]]
RED_FLAGS = [s for s in WITH_CARDS if any(c["topic"] == "red-flag" for c in s.expect["cards"])]
ERROR_STATUSES = {400, 404, 412, 413, 415}
SLOW_CALL_SECONDS = 5.0
"""No single call of these tests may take this long (a regex or a validator gone quadratic)."""

FUZZ = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=100)


def _url(scenario: Scenario) -> str:
    return f"/cds-services/spinal-origin-{scenario.hook}"


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp: Path = tmp_path_factory.mktemp("fuzz")
    with (
        running_service(
            database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
            patient_hash_key="test-key",
            now=FIXTURES_NOW,
        ) as url,
        httpx.Client(base_url=url, timeout=30) as client,
    ):
        yield client


@st.composite
def damaged_requests(draw: st.DrawFn) -> tuple[Scenario, Any]:
    scenario = draw(st.sampled_from(SCENARIOS))
    body: Any = copy.deepcopy(scenario.request)
    for _ in range(draw(st.integers(1, 3))):
        body = draw(damage(body))
    return scenario, body


# ---------------------------------------------------------------------------------------------
# (1) Requests through HTTP


def _assert_answer(response: httpx.Response) -> Any:
    """200 with well-formed cards, or one of the documented 4xx naming the problem."""
    assert response.status_code == 200 or response.status_code in ERROR_STATUSES, (
        response.status_code,
        response.text[:500],
    )
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if response.status_code == 200:
        assert isinstance(body["cards"], list) and len(body["cards"]) <= 3
        for card in body["cards"]:
            assert_well_formed(card)
    else:
        assert isinstance(body["error"], str) and body["error"]
        assert isinstance(body["message"], str) and body["message"]
        assert isinstance(body.get("field", ""), str)
    return body


def _post(client: httpx.Client, url: str, content: bytes) -> httpx.Response:
    started = time.monotonic()
    response = client.post(url, content=content, headers={"Content-Type": "application/json"})
    assert time.monotonic() - started < SLOW_CALL_SECONDS, f"{url} took too long"
    return response


@FUZZ
@given(damaged_requests())
def test_damaged_requests_get_cards_or_a_clear_4xx(
    client: httpx.Client, damaged: tuple[Scenario, Any]
) -> None:
    scenario, body = damaged
    _assert_answer(_post(client, _url(scenario), dumps(body)))


@settings(FUZZ, max_examples=25)
@given(st.binary(max_size=2000) | st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace")))
def test_bytes_that_are_no_request_get_a_4xx(client: httpx.Client, content: bytes) -> None:
    response = _post(client, "/cds-services/spinal-origin-patient-view", content)
    assert response.status_code in ERROR_STATUSES
    _assert_answer(response)


def test_a_fixture_request_passes_unharmed(client: httpx.Client) -> None:
    """The control: the undamaged requests the mutations start from are answered with cards."""
    scenario = RED_FLAGS[0]
    body = _assert_answer(_post(client, _url(scenario), dumps(scenario.request)))
    assert "red-flag" in {card["source"]["topic"]["code"] for card in body["cards"]}


timestamps = st.datetimes(
    timezones=st.none()
    | st.timezones()
    | st.sampled_from([timezone(timedelta(hours=h)) for h in (-23, 23)])
).map(datetime.isoformat) | st.sampled_from(
    ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2026-06-01", "2026-06-01T09:05"]
)


@st.composite
def damaged_feedback(draw: st.DrawFn) -> Any:
    body: Any = copy.deepcopy(FEEDBACK_EXAMPLE)
    body["feedback"][draw(st.integers(0, 1))]["outcomeTimestamp"] = draw(timestamps)
    for _ in range(draw(st.integers(0, 2))):
        body = draw(damage(body))
    return body


@FUZZ
@given(damaged_feedback())
def test_damaged_feedback_is_stored_or_a_clear_4xx(client: httpx.Client, body: Any) -> None:
    response = _post(client, "/cds-services/spinal-origin-patient-view/feedback", dumps(body))
    assert response.status_code == 200 or response.status_code in ERROR_STATUSES, response.text
    answer = response.json()
    if response.status_code != 200:
        assert answer["error"] and answer["message"], answer


@pytest.mark.parametrize(
    "timestamp",
    ["2026-06-01T09:05:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"],
)
def test_a_feedback_timestamp_without_a_utc_equivalent_is_a_400(
    client: httpx.Client, timestamp: str
) -> None:
    """Found by the test above: these were 500s (the store's utc() raised on them)."""
    body = copy.deepcopy(FEEDBACK_EXAMPLE)
    body["feedback"][1]["outcomeTimestamp"] = timestamp
    response = _post(client, "/cds-services/spinal-origin-patient-view/feedback", dumps(body))
    assert response.status_code == 400, response.text
    assert response.json()["field"] == "feedback.1.outcomeTimestamp"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hook": "patient-view", "context": {}}, "hookInstance"),
        ({"hook": 7, "hookInstance": "x", "context": {}}, "hook"),
        ({"hook": "patient-view", "hookInstance": "x", "context": []}, "context"),
        ({"hook": "patient-view", "hookInstance": "x", "context": {"userId": "u"}}, "patientId"),
        (
            {
                "hook": "patient-view",
                "hookInstance": "x",
                "context": {"userId": "u", "patientId": "p"},
                "prefetch": {"conditions": [1]},
            },
            "prefetch.conditions",
        ),
    ],
)
def test_a_400_names_the_offending_field(
    client: httpx.Client, body: dict[str, Any], field: str
) -> None:
    answer = _assert_answer(_post(client, "/cds-services/spinal-origin-patient-view", dumps(body)))
    assert answer["error"] == "invalid-request"
    assert answer["field"].endswith(field), answer


# ---------------------------------------------------------------------------------------------
# (2) Corrupted FHIR resources


def _junk(kind: str) -> st.SearchStrategy[Any]:
    return {
        "int": st.integers(),
        "string": st.text(max_size=20),
        "list": st.lists(json_values, min_size=1, max_size=3),
        "dict": st.dictionaries(st.text(min_size=1, max_size=8), json_values, min_size=1),
    }[kind]


Corruption = Callable[[dict[str, Any], Any], None]


def _coding_field(resource: dict[str, Any], junk: Any) -> None:
    code = resource.setdefault("code", {})
    if isinstance(code, dict) and isinstance(code.get("coding"), list) and code["coding"]:
        first = code["coding"][0]
        if isinstance(first, dict):
            first["display"] = junk if not isinstance(junk, str) else {"text": junk}
            return
    resource["code"] = junk


def _coding_as_dict(resource: dict[str, Any], junk: Any) -> None:
    codings = (resource.get("code") or {}).get("coding")
    resource["code"] = {"coding": codings[0] if isinstance(codings, list) and codings else junk}


CORRUPTIONS: dict[str, tuple[Corruption, str]] = {
    "code is junk": (lambda r, j: r.__setitem__("code", j), "int"),
    "coding is a dict": (_coding_as_dict, "dict"),
    "coding holds junk": (_coding_field, "list"),
    "clinicalStatus is a string": (lambda r, j: r.__setitem__("clinicalStatus", "active"), "int"),
    "clinicalStatus is junk": (lambda r, j: r.__setitem__("clinicalStatus", j), "list"),
    "verificationStatus is a list": (
        lambda r, j: r.__setitem__("verificationStatus", [r.get("verificationStatus"), j]),
        "dict",
    ),
    "onset is junk": (lambda r, j: r.__setitem__("onsetDateTime", j), "dict"),
    "onset is not a date": (lambda r, j: r.__setitem__("onsetDateTime", f"{j}-13-45"), "string"),
    "valueQuantity is junk": (lambda r, j: r.__setitem__("valueQuantity", j), "list"),
    "valueQuantity.value is text": (
        lambda r, j: r.__setitem__("valueQuantity", {"value": f"{j}?", "unit": 1}),
        "string",
    ),
    "subject is a string": (lambda r, j: r.__setitem__("subject", "Patient/x"), "int"),
    "id is an int": (lambda r, j: r.__setitem__("id", j), "int"),
    "category is a dict": (lambda r, j: r.__setitem__("category", j), "dict"),
    "nested garbage": (
        lambda r, j: r.__setitem__("note", [{"text": [[[j]]], "extension": {"x": [[j]]}}]),
        "dict",
    ),
    "unknown element": (lambda r, j: r.__setitem__("bogusElement", j), "dict"),
    "resourceType missing": (lambda r, j: r.pop("resourceType", None), "int"),
    "resourceType wrong": (lambda r, j: r.__setitem__("resourceType", j), "int"),
}
DAMAGED = {
    "code is junk": "code",
    "coding is a dict": "code",
    "coding holds junk": "code",
    "clinicalStatus is a string": "clinicalStatus",
    "clinicalStatus is junk": "clinicalStatus",
    "verificationStatus is a list": "verificationStatus",
    "onset is junk": "onsetDateTime",
    "onset is not a date": "onsetDateTime",
    "valueQuantity is junk": "valueQuantity",
    "valueQuantity.value is text": "valueQuantity",
    "subject is a string": "subject",
    "id is an int": "id",
    "category is a dict": "category",
    "nested garbage": "note",
    "unknown element": "bogusElement",
    "resourceType missing": "resourceType",
    "resourceType wrong": "resourceType",
}
"""The element each corruption damages."""
READ = {
    rtype: set(read._fields) | {"resourceType"}
    for rtype, read in (("Condition", ConditionRead), ("Observation", ObservationRead))
}
"""The elements the engine reads and so validates: damage elsewhere goes unnoticed."""


def _resources(request: dict[str, Any]) -> list[dict[str, Any]]:
    prefetch = request.get("prefetch") or {}
    found = []
    for key in ("conditions", "observations"):
        bundle = prefetch.get(key) or {}
        found += [e["resource"] for e in bundle.get("entry", []) if isinstance(e, dict)]
    return found


def _topics(evaluation: Evaluation) -> list[tuple[str, str]]:
    return sorted((c.topic, c.card["indicator"]) for c in evaluation.cards)


def _evaluate(request: dict[str, Any], hook: str) -> Evaluation:
    evaluation = evaluate(record_from_request(request), cast(Hook, hook), FIXTURES_NOW)
    assert len(evaluation.cards) <= 3
    for card in evaluation.cards:
        assert_well_formed(card.card)
    return evaluation


@st.composite
def garbage_added(draw: st.DrawFn) -> tuple[Scenario, dict[str, Any], str, str]:
    """A scenario with cards plus one corrupted copy of one of its resources (a new id)."""
    scenario = draw(st.sampled_from(WITH_CARDS))
    request = copy.deepcopy(scenario.request)
    original = draw(st.sampled_from(_resources(request)))
    garbage = copy.deepcopy(original)
    garbage["id"] = "garbage-1"
    name = draw(st.sampled_from(sorted(CORRUPTIONS)))
    corrupt, junk_kind = CORRUPTIONS[name]
    corrupt(garbage, draw(_junk(junk_kind)))
    rtype = original["resourceType"]
    key = "conditions" if rtype == "Condition" else "observations"
    request["prefetch"][key]["entry"].append({"resource": garbage})
    return scenario, request, name, rtype


@settings(FUZZ, max_examples=300)
@given(garbage_added())
def test_a_garbage_resource_leaves_the_cards_of_the_rest(
    case: tuple[Scenario, dict[str, Any], str, str],
) -> None:
    scenario, request, name, rtype = case
    evaluation = _evaluate(request, scenario.hook)
    assert _topics(evaluation) == _topics(_evaluate(scenario.request, scenario.hook))
    if DAMAGED[name] in READ[rtype]:
        cited = json.dumps([c.card for c in evaluation.cards])
        assert "/garbage-1" not in cited, "a malformed resource was used as evidence"
    else:
        skipped = {s.reference for s in evaluation.skipped}
        assert f"{rtype}/garbage-1" not in skipped, "damage the engine does not read was seen"


@settings(FUZZ, max_examples=150)
@given(st.data())
def test_a_corrupted_record_never_breaks_the_engine(data: st.DataObject) -> None:
    """Damage anywhere inside the prefetched resources: still well-formed cards, no exception."""
    scenario = data.draw(st.sampled_from(SCENARIOS))
    request = copy.deepcopy(scenario.request)
    for resource in data.draw(
        st.lists(st.sampled_from(_resources(request)), min_size=1, max_size=3, unique_by=id)
    ):
        data.draw(damage(resource))
    for skipped in _evaluate(request, scenario.hook).skipped:
        assert "validation failed" in skipped.reason or "invalid" in skipped.reason


@settings(FUZZ, max_examples=40)
@given(st.sampled_from(WITH_CARDS), st.integers(1, 4))
def test_duplicate_resources_change_nothing(scenario: Scenario, copies: int) -> None:
    request = copy.deepcopy(scenario.request)
    for key in ("conditions", "observations"):
        bundle = request["prefetch"].get(key)
        if isinstance(bundle, dict) and bundle.get("entry"):
            bundle["entry"] = bundle["entry"] * (copies + 1)
    assert _topics(_evaluate(request, scenario.hook)) == _topics(
        _evaluate(scenario.request, scenario.hook)
    )


@settings(FUZZ, max_examples=20)
@given(st.sampled_from(RED_FLAGS), st.sampled_from(sorted(CORRUPTIONS)), st.data())
def test_a_red_flag_survives_a_garbage_condition_over_http(
    client: httpx.Client, scenario: Scenario, name: str, data: st.DataObject
) -> None:
    request = copy.deepcopy(scenario.request)
    conditions = request["prefetch"]["conditions"]["entry"]
    garbage = copy.deepcopy(conditions[0]["resource"])
    garbage["id"] = "garbage-1"
    corrupt, junk_kind = CORRUPTIONS[name]
    corrupt(garbage, data.draw(_junk(junk_kind)))
    conditions.insert(0, {"resource": garbage})
    body = _assert_answer(_post(client, _url(scenario), dumps(request)))
    assert "red-flag" in {card["source"]["topic"]["code"] for card in body["cards"]}
