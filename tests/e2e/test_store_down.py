"""With the store unreachable the service is not ready, still answers calls with their cards
(unsuppressed, and says so in its log), and refuses feedback with 503 rather than lose it."""

import logging
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.clinic import PV, RADICULAR, call, one_card, overridden
from tests.e2e.services import serve

UNREACHABLE = {
    "postgresql": "postgresql://postgres@127.0.0.1:1/x?connect_timeout=1",
    "sqlite": "sqlite:///{tmp}/a-file/cds.sqlite3",
}


@pytest.fixture(params=sorted(UNREACHABLE))
def unreachable(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database URL that cannot be opened: nothing listens on port 1; the SQLite file's
    directory cannot be created because a file has its name."""
    (tmp_path / "a-file").write_text("not a directory")
    return UNREACHABLE[request.param].format(tmp=tmp_path)


@pytest.fixture
def client(unreachable: str) -> Iterator[httpx.Client]:
    with serve(unreachable) as base_url, httpx.Client(base_url=base_url, timeout=10) as client:
        yield client


def test_not_ready(client: httpx.Client) -> None:
    response = client.get("/readyz")

    assert response.status_code == 503
    assert response.json()["store"] == "unreachable"
    assert client.get("/healthz").status_code == 200


def test_calls_still_answer_with_their_cards(
    client: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING, logger="cds"):
        for _ in range(2):
            card = one_card(call(client, RADICULAR), "spinal-origin")
            assert card["indicator"] == "warning"

    skipped = [r for r in caplog.records if r.getMessage() == "store.unavailable"]
    operations = [getattr(r, "operation", None) for r in skipped]
    assert operations.count("suppression") == 2, operations


def test_feedback_is_refused_not_lost(client: httpx.Client) -> None:
    card = one_card(call(client, RADICULAR), "spinal-origin")

    response = client.post(f"{PV}/feedback", json={"feedback": [overridden(card)]})

    assert response.status_code == 503
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"] == "store-unavailable"
