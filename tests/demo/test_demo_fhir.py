"""The demo FHIR server under /demo/fhir, against the service running in uvicorn."""

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
import pytest

from cds.data.scenarios import FIXTURES_NOW
from cds.demo.fhir_server import served_scenarios, shift_dates
from cds.demo.preview import engine_outcome
from tests.support.service import running_service

FIXTURES = Path(__file__).parents[2] / "fixtures"
SHIFT = 10
DEMO_NOW = FIXTURES_NOW + timedelta(days=SHIFT)
FHIR = "/demo/fhir"
SANDBOX = "https://sandbox.cds-hooks.org"
"""The origin `make run` lets in (CDS_CORS_ORIGINS)."""
LOINC, SNOMED = "http://loinc.org", "http://snomed.info/sct"


def _coded(system: str, code: str) -> dict[str, Any]:
    return {"coding": [{"system": system, "code": code}]}


def _resource(kind: str, rid: str, pid: str, code: dict[str, Any], **more: Any) -> dict[str, Any]:
    subject = {"reference": f"Patient/{pid}"}
    return {"resourceType": kind, "id": rid, "subject": subject, "code": code, **more}


def _bundle(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "entry": [{"resource": r} for r in resources],
    }


def _fixture(pid: str, family: str, conditions: int) -> dict[str, Any]:
    observations = [
        _resource("Observation", "o-temp", pid, _coded(LOINC, "8310-5"), status="final"),
        _resource("Observation", "o-slr", pid, _coded(SNOMED, "299628005"), status="final"),
        _resource("Observation", "o-other", pid, _coded(LOINC, "1-8"), status="final"),
    ]
    orders = [
        _resource("ServiceRequest", "sr-active", pid, _coded(SNOMED, "1"), status="active"),
        _resource("ServiceRequest", "sr-done", pid, _coded(SNOMED, "2"), status="completed"),
    ]
    request = {
        "hook": "patient-view",
        "hookInstance": "00000000-0000-4000-8000-000000000000",
        "context": {"userId": "Practitioner/p", "patientId": pid},
        "prefetch": {
            "patient": {
                "resourceType": "Patient",
                "id": pid,
                "name": [{"family": family, "given": ["Test"]}],
                "birthDate": "1970-06-01",
            },
            "conditions": _bundle(
                [
                    _resource(
                        "Condition",
                        f"c{i}",
                        pid,
                        _coded(SNOMED, "279039007"),
                        onsetDateTime="2026-05-25T08:30:00+02:00",
                        recordedDate="2026-05-25",
                    )
                    for i in range(conditions)
                ]
            ),
            "observations": _bundle(observations),
            "serviceRequests": _bundle(orders),
        },
    }
    return {"title": family, "description": "", "request": request, "expect": {"cards": []}}


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[httpx.Client]:
    tmp = tmp_path_factory.mktemp("demo")
    fixtures = tmp / "fixtures"
    fixtures.mkdir()
    for name, pid, family, conditions in [
        ("a-first", "pat-a", "Alvarez", 5),
        ("b-second", "pat-b", "Brennan", 1),
        ("c-duplicate", "pat-a", "Impostor", 1),
    ]:
        (fixtures / f"{name}.json").write_bytes(orjson.dumps(_fixture(pid, family, conditions)))
    with (
        running_service(
            demo=True,
            fixtures_dir=fixtures,
            now=DEMO_NOW,
            database_url=f"sqlite:///{tmp / 'cds.sqlite3'}",
            patient_hash_key="test-key",
            cors_origins=SANDBOX,
        ) as base_url,
        httpx.Client(base_url=base_url + FHIR, timeout=10) as client,
    ):
        yield client


def _ids(bundle: dict[str, Any]) -> list[str]:
    return [e["resource"]["id"] for e in bundle.get("entry", [])]


def _all_pages(client: httpx.Client, url: str) -> tuple[list[str], int]:
    ids: list[str] = []
    pages = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        assert response.status_code == 200, response.text
        bundle = response.json()
        ids += _ids(bundle)
        pages += 1
        links = {link["relation"]: link["url"] for link in bundle["link"]}
        next_url = links.get("next")
    return ids, pages


def test_metadata_is_a_capability_statement(demo: httpx.Client) -> None:
    response = demo.get("/metadata")
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/fhir+json"
    body = response.json()
    assert body["resourceType"] == "CapabilityStatement"
    assert body["fhirVersion"] == "4.0.1"
    types = {r["type"] for r in body["rest"][0]["resource"]}
    assert types == {
        "Patient",
        "Condition",
        "Observation",
        "ServiceRequest",
        "MedicationRequest",
    }


def test_patient_read(demo: httpx.Client) -> None:
    patient = demo.get("/Patient/pat-a").json()
    assert patient["resourceType"] == "Patient"
    assert patient["name"][0]["family"] == "Alvarez"
    missing = demo.get("/Patient/nobody")
    assert missing.status_code == 404
    assert missing.json()["resourceType"] == "OperationOutcome"


def test_duplicate_patient_id_serves_the_first_fixture(demo: httpx.Client) -> None:
    assert demo.get("/Patient", params={"name": "impostor"}).json()["total"] == 0
    conditions = demo.get("/Condition", params={"patient": "pat-a"}).json()
    assert conditions["total"] == 5


def test_patient_search_by_id_name_and_paging(demo: httpx.Client) -> None:
    assert sorted(_ids(demo.get("/Patient").json())) == ["pat-a", "pat-b"]
    assert _ids(demo.get("/Patient", params={"_id": "pat-b"}).json()) == ["pat-b"]
    assert _ids(demo.get("/Patient", params={"name": "alva"}).json()) == ["pat-a"]
    ids, pages = _all_pages(demo, "/Patient?_count=1")
    assert sorted(ids) == ["pat-a", "pat-b"]
    assert pages == 2


@pytest.mark.parametrize("patient", ["pat-a", "Patient/pat-a"])
def test_condition_search_pages_with_next_links(demo: httpx.Client, patient: str) -> None:
    ids, pages = _all_pages(demo, f"/Condition?patient={patient}&_count=2")
    assert ids == [f"c{i}" for i in range(5)]
    assert pages == 3
    first = demo.get("/Condition", params={"patient": patient, "_count": "2"}).json()
    assert first["total"] == 5
    assert first["link"][1]["url"].startswith(str(demo.base_url).rstrip("/") + "/Condition?")


def test_observation_search_by_code_tokens(demo: httpx.Client) -> None:
    codes = f"{LOINC}|8310-5,{SNOMED}|299628005,{LOINC}|9999-9"
    found = demo.get("/Observation", params={"patient": "pat-b", "code": codes, "_count": "100"})
    assert sorted(_ids(found.json())) == ["o-slr", "o-temp"]


def test_service_request_search_by_status(demo: httpx.Client) -> None:
    params = {"patient": "pat-b", "status": "active,draft,on-hold", "_count": "100"}
    assert _ids(demo.get("/ServiceRequest", params=params).json()) == ["sr-active"]


def test_search_by_post(demo: httpx.Client) -> None:
    response = demo.post("/Condition/_search", data={"patient": "pat-b"})
    assert response.status_code == 200
    assert _ids(response.json()) == ["c0"]


def test_bad_count_and_unknown_type(demo: httpx.Client) -> None:
    assert demo.get("/Condition", params={"_count": "many"}).status_code == 400
    unknown = demo.get("/Encounter")
    assert unknown.status_code == 404
    assert unknown.json()["resourceType"] == "OperationOutcome"


def test_dates_are_shifted_to_today(demo: httpx.Client) -> None:
    patient = demo.get("/Patient/pat-b").json()
    assert patient["birthDate"] == "1970-06-11"
    condition = demo.get("/Condition", params={"patient": "pat-b"}).json()["entry"][0]["resource"]
    assert condition["onsetDateTime"] == "2026-06-04T08:30:00+02:00"
    assert condition["recordedDate"] == "2026-06-04"
    assert condition["code"]["coding"][0]["code"] == "279039007"


def test_shift_dates_leaves_other_strings_alone() -> None:
    value = {
        "id": "2026-05-01",
        "effectiveDateTime": "2026-05-31T23:30:00Z",
        "issued": "2026-05-31T23:30:00.123+01:00",
        "valueString": "since 2026-05-01",
        "period": {"start": "2026-02-28"},
        "birthDate": "1980-02",
    }
    assert shift_dates(value, 1) == {
        "id": "2026-05-01",
        "effectiveDateTime": "2026-06-01T23:30:00Z",
        "issued": "2026-06-01T23:30:00.123+01:00",
        "valueString": "since 2026-05-01",
        "period": {"start": "2026-03-01"},
        "birthDate": "1980-02",
    }


def test_cors_on_a_cross_origin_get(demo: httpx.Client) -> None:
    response = demo.get("/Patient/pat-a", headers={"Origin": SANDBOX})
    assert response.headers["access-control-allow-origin"] == SANDBOX


@pytest.mark.parametrize("path", [f"{FHIR}/Condition", "/cds-services/spinal-origin-patient-view"])
def test_preflight_allows_the_private_network(demo: httpx.Client, path: str) -> None:
    base = str(demo.base_url).removesuffix(FHIR + "/").removesuffix(FHIR)
    response = httpx.options(
        base + path,
        headers={
            "Origin": SANDBOX,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
            "Access-Control-Request-Private-Network": "true",
        },
    )
    assert response.status_code == 200, response.text
    assert response.headers["access-control-allow-private-network"] == "true"
    assert response.headers["access-control-allow-origin"] == SANDBOX


def test_demo_off_serves_nothing(tmp_path: Path) -> None:
    with running_service(database_url=f"sqlite:///{tmp_path / 'db.sqlite3'}") as base_url:
        assert httpx.get(base_url + FHIR + "/metadata").status_code == 404
        assert httpx.get(base_url + FHIR + "/Patient").status_code == 404
        assert httpx.get(base_url + "/preview").status_code == 404


def test_fixture_patients_are_unique_and_servable() -> None:
    scenarios = served_scenarios(FIXTURES)
    assert scenarios.problems == []
    assert len(scenarios.items) >= 2


def test_a_plain_patient_search_lists_every_fixture_patient_on_one_page(tmp_path: Path) -> None:
    """The sandbox's patient picker shows the first page of `GET Patient` and follows no `next`."""
    patients = {s.patient_id for s in served_scenarios(FIXTURES).items}
    assert len(patients) > 50, "fewer fixture patients than a common default page size"
    settings = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "now": DEMO_NOW}
    with running_service(demo=True, fixtures_dir=FIXTURES, **settings) as base_url:
        first = httpx.get(base_url + FHIR + "/Patient").json()
    assert first["total"] == len(patients)
    assert set(_ids(first)) == patients
    assert [link["relation"] for link in first["link"]] == ["self"]


def test_the_service_fetching_from_the_demo_gets_the_fixtures_cards(tmp_path: Path) -> None:
    """What the sandbox does: no prefetch, the service fetches from /demo/fhir itself."""
    scenarios = served_scenarios(FIXTURES).items
    settings = {"database_url": f"sqlite:///{tmp_path / 'db.sqlite3'}", "now": DEMO_NOW}
    with running_service(demo=True, fixtures_dir=FIXTURES, **settings) as base_url:
        services = httpx.get(base_url + "/cds-services").json()["services"]
        by_hook = {s["hook"]: s["id"] for s in services}
        differences = []
        for scenario in scenarios:
            request = shift_dates(scenario.request, SHIFT)
            request = {k: v for k, v in request.items() if k != "prefetch"}
            request["fhirServer"] = base_url + FHIR
            response = httpx.post(
                f"{base_url}/cds-services/{by_hook[scenario.hook]}", json=request, timeout=30
            )
            assert response.status_code == 200, (scenario.slug, response.text)
            cards = response.json()["cards"]
            got = sorted(f"{c['source']['topic']['code']}/{c['indicator']}" for c in cards)
            expected = sorted(engine_outcome(scenario).actual)
            if got != expected:
                differences.append((scenario.slug, got, expected))
    assert differences == [], (
        "the sandbox would see other cards than the fixture: its prefetch holds resources that "
        "the service's own prefetch queries do not return (slug, via /demo/fhir, fixture)"
    )
