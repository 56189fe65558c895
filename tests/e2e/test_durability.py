"""Eight clients post 1,000 distinct feedback entries while the service restarts under them;
each client retries until it gets a 200. Every entry is stored exactly once."""

import signal
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e.clinic import PV, overridden
from tests.e2e.services import cds_serve, free_port, serve, service_environment
from tests.support.tables import rows

CLIENTS = 8
ENTRIES = 1_000
PER_REQUEST = 10
"""Feedback on cards never issued is answered after a wait for other replicas to record them
(`LINK_AGAIN_SECONDS`): few, larger requests keep the test short."""
RESTART_AFTER = 300
"""The restart begins once this many entries have been acknowledged."""
RETRY_FOR_S = 60.0


class Fleet:
    """The service's current base URL, and the entries acknowledged so far."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.acknowledged = 0
        self.stored = 0
        self.retries = 0
        self.lock = threading.Lock()
        self.halfway = threading.Event()
        self.abort = threading.Event()

    def post(self, client: httpx.Client, batch: list[dict[str, Any]]) -> None:
        """Until a 200: a connection refused or reset, or a 5xx, is tried again."""
        deadline = time.monotonic() + RETRY_FOR_S
        while True:
            try:
                response = client.post(
                    f"{self.base_url}{PV}/feedback", json={"feedback": batch}, timeout=10
                )
                if response.status_code == 200:
                    break
                assert response.status_code >= 500, response.text
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the service did not come back"
            assert not self.abort.is_set(), "the restart failed"
            with self.lock:
                self.retries += 1
            time.sleep(0.02)
        with self.lock:
            self.acknowledged += len(batch)
            self.stored += response.json()["stored"]
            if self.acknowledged >= RESTART_AFTER:
                self.halfway.set()


def entries(client: int) -> list[dict[str, Any]]:
    return [
        overridden(f"e2e-{client}-{i:04d}", "patient-declined", minute=i % 60)
        for i in range(ENTRIES // CLIENTS)
    ]


def post_all(fleet: Fleet, restart: Callable[[], None]) -> None:
    def client_work(client: int) -> None:
        mine = entries(client)
        with httpx.Client() as http:
            for start in range(0, len(mine), PER_REQUEST):
                fleet.post(http, mine[start : start + PER_REQUEST])

    with ThreadPoolExecutor(CLIENTS) as pool:
        work = [pool.submit(client_work, client) for client in range(CLIENTS)]
        try:
            assert fleet.halfway.wait(RETRY_FOR_S), "the clients never got halfway"
            restart()
        except BaseException:
            fleet.abort.set()
            raise
        for done in work:
            done.result()


def assert_stored_once(db: str, fleet: Fleet) -> None:
    stored = rows(db, "feedback")
    cards = sorted(row["card_uuid"] for row in stored)
    expected = sorted(f"e2e-{c}-{i:04d}" for c in range(CLIENTS) for i in range(ENTRIES // CLIENTS))
    assert cards == expected, "each entry exactly once"
    assert fleet.acknowledged == ENTRIES
    assert fleet.stored <= ENTRIES, "a retried entry is acknowledged as a duplicate"
    assert fleet.retries > 0, "the restart happened while the clients were posting"


def test_entries_survive_a_restart_of_the_server(db: str) -> None:
    """The uvicorn server stops (gracefully) and a new one starts on the same database."""
    with ExitStack() as running:
        fleet = Fleet(running.enter_context(serve(db)))

        def restart() -> None:
            running.close()
            fleet.base_url = running.enter_context(serve(db))

        post_all(fleet, restart)
    assert_stored_once(db, fleet)


@pytest.mark.parametrize("stop", ["terminate", "kill"])
def test_entries_survive_a_stop_of_cds_serve(db: str, stop: str, tmp_path: Path) -> None:
    """A real `cds serve`, stopped with SIGTERM as a process manager would (uvicorn finishes
    what it holds) or with SIGKILL as a crash would, then started again on the same port."""
    env = service_environment(db)
    port = free_port()
    log = tmp_path / "serve.log"
    with ExitStack() as running:
        first = running.enter_context(cds_serve(env, log, port=port))
        fleet = Fleet(first.base_url)

        def restart() -> None:
            if stop == "terminate":
                # uvicorn shuts down gracefully, then dies of the signal it caught.
                assert first.terminate() in (0, -signal.SIGTERM), first.tail()
            else:
                first.kill()
            running.enter_context(cds_serve(env, log, port=port))

        post_all(fleet, restart)
    assert_stored_once(db, fleet)
