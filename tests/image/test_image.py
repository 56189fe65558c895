"""The Docker image built from this tree, run as an operator would run it.

Needs a Docker engine and the base image (`BASE_IMAGE`, pulled when missing); without them the
tests skip, except under CI, where they fail. `.ci/run` starts an engine and builds a base
image with ../shared/tools/container-base.
"""

import json
import os
import socket
import time
from collections.abc import Iterator

import httpx
import psycopg
import pytest

from cds.demo.fhir_server import served_scenarios
from cds.demo.preview import engine_outcome
from tests.image.docker import (
    BASE_IMAGE,
    ROOT,
    Container,
    build_image,
    docker,
    engine_answers,
    running,
)

UNDER_CI = os.environ.get("CI", "").lower() not in ("", "0", "false")
FIXTURES_CLOCK = ("--env", "CDS_NOW=2026-06-01T09:00:00Z")
OPEN = ("--env", "CDS_ALLOW_UNAUTHENTICATED=true")
FAST_HEALTHCHECK = ("--health-interval", "1s", "--health-start-period", "60s")
VIEW = "/cds-services/spinal-origin-patient-view"


def _unavailable(reason: str) -> None:
    if UNDER_CI:
        pytest.fail(f"{reason} under CI (.ci/run runs ../shared/tools/container-base)", False)
    pytest.skip(reason)


@pytest.fixture(scope="module")
def image() -> str:
    if not engine_answers():
        _unavailable("no Docker engine answers")
    try:
        docker("image", "inspect", BASE_IMAGE)
    except RuntimeError:
        try:
            docker("pull", BASE_IMAGE, timeout=600)
        except RuntimeError:
            _unavailable(f"base image {BASE_IMAGE} can't be had: set BASE_IMAGE")
    return build_image()


@pytest.fixture(scope="module")
def scenario() -> tuple[bytes, list[str]]:
    """A patient-view request with its prefetch, and the card summaries the tree's engine gives."""
    for item in served_scenarios(ROOT / "fixtures").items:
        cards = engine_outcome(item).cards
        if item.hook == "patient-view" and cards:
            return json.dumps(item.request).encode(), [card["summary"] for card in cards]
    raise AssertionError("no patient-view fixture with cards")


@pytest.fixture(scope="module")
def shipped(image: str) -> Iterator[Container]:
    """The image with its own command, port and healthcheck, on no network."""
    with running(image, "--network", "none", *OPEN, *FIXTURES_CLOCK, *FAST_HEALTHCHECK) as box:
        yield box


def test_runs_as_a_user_without_privileges(shipped: Container) -> None:
    assert shipped.inspect("{{.Config.User}}") == "10001"
    assert shipped.exec("id", "-u").strip() == "10001"


def test_healthcheck_turns_healthy(shipped: Container) -> None:
    health = shipped.wait_for("{{.State.Health.Status}}", {"healthy", "unhealthy"}, 120)
    assert health == "healthy", shipped.logs()


def test_discovery_and_a_patient_view_call_on_the_default_port(
    shipped: Container, scenario: tuple[bytes, list[str]]
) -> None:
    shipped.wait_for("{{.State.Health.Status}}", {"healthy"}, 120)
    status, body = shipped.call("GET", "/cds-services")
    assert status == 200
    assert VIEW.rsplit("/", 1)[1] in {s["id"] for s in json.loads(body)["services"]}

    request, summaries = scenario
    status, body = shipped.call("POST", VIEW, request)
    assert status == 200, body
    assert [card["summary"] for card in json.loads(body)["cards"]] == summaries


def test_demo_endpoints_are_off(shipped: Container) -> None:
    shipped.wait_for("{{.State.Health.Status}}", {"healthy"}, 120)
    assert shipped.call("GET", "/demo/fhir/metadata")[0] == 404
    assert shipped.call("GET", "/preview")[0] == 404


def test_refuses_to_serve_all_interfaces_without_authentication(image: str) -> None:
    with running(image, "--network", "none") as box:
        state = box.wait_for("{{.State.Status}}", {"exited"}, 60)
        assert state == "exited"
        assert box.inspect("{{.State.ExitCode}}") != "0"
        assert "CDS_ALLOW_UNAUTHENTICATED" in box.logs()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_stores_feedback_in_the_hosts_postgresql(
    image: str, postgres_database: str | None, scenario: tuple[bytes, list[str]]
) -> None:
    if postgres_database is None:
        pytest.skip("PostgreSQL is unreachable")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    database = ("--env", f"CDS_DATABASE_URL={postgres_database}")
    serve = ("cds", "serve", "--host", "127.0.0.1", "--port", str(port), "--workers", "1")
    with running(image, "--network", "host", *database, *FIXTURES_CLOCK, command=serve) as box:
        deadline = time.monotonic() + 120
        while not _ready(base):
            assert time.monotonic() < deadline, box.logs()
            time.sleep(0.5)
        request, _ = scenario
        headers = {"Content-Type": "application/json"}
        cards = httpx.post(base + VIEW, content=request, headers=headers, timeout=30).json()[
            "cards"
        ]
        entry = {"card": cards[0]["uuid"], "outcome": "accepted",
                 "outcomeTimestamp": "2026-06-01T09:05:00Z"}  # fmt: skip
        answer = httpx.post(base + VIEW + "/feedback", json={"feedback": [entry]}, timeout=30)
        assert answer.status_code == 200, answer.text
    with psycopg.connect(postgres_database) as conn:
        stored = conn.execute(
            "SELECT outcome FROM feedback WHERE card_uuid = %s", (cards[0]["uuid"],)
        ).fetchall()
    assert stored == [("accepted",)]


def _ready(base: str) -> bool:
    try:
        return httpx.get(base + "/readyz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False
