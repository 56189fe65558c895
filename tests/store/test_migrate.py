import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import insert

from cds.store import Store
from cds.store.database import connect, transaction
from cds.store.migrate import alembic_config
from cds.store.schema import feedback, issued_card, metadata
from tests.support.tables import count as rows
from tests.support.tables import rows as all_rows

from .builders import NOW, issued, record

ROOT = Path(__file__).parents[2]


def test_migrating_twice_keeps_the_data(url: str) -> None:
    with Store.open(url) as store:
        record(store, issued())
    with Store.open(url) as store:
        store.ping()

    assert rows(url, "issued_card") == 1


OPEN_ON_SIGNAL = """
import os, pathlib, sys, time
from cds.store import Store
signals = pathlib.Path(sys.argv[1])
(signals / f"ready-{os.getpid()}").touch()
while not (signals / "go").exists():
    time.sleep(0.005)
Store.open(sys.argv[2]).close()
"""


def test_processes_starting_at_once_migrate_once(url: str, tmp_path: Path) -> None:
    processes = [
        subprocess.Popen(
            [sys.executable, "-W", "error", "-c", OPEN_ON_SIGNAL, str(tmp_path), url], cwd=ROOT
        )
        for _ in range(3)
    ]
    deadline = time.monotonic() + 20
    while len(list(tmp_path.glob("ready-*"))) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    (tmp_path / "go").touch()

    assert [process.wait(timeout=20) for process in processes] == [0, 0, 0]
    assert rows(url, "issued_card") == 0


def test_threads_opening_at_once_migrate_once(url: str) -> None:
    with ThreadPoolExecutor(4) as pool:
        stores = list(pool.map(lambda _: Store.open(url), range(4)))
    for store in stores:
        store.close()

    assert rows(url, "issued_card") == 0


def test_the_migrations_build_the_schema_the_queries_expect(store: Store, url: str) -> None:
    engine = connect(url)
    try:
        with engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    finally:
        engine.dispose()


def test_the_sqlite_directory_is_created(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    with Store.open("sqlite:///var/cds.sqlite3") as store:
        store.ping()

    assert (tmp_path / "var" / "cds.sqlite3").is_file()


def test_feedback_linked_before_0002_counts_as_linked_when_received(url: str) -> None:
    engine = connect(url)
    try:
        with transaction(engine, write=True) as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0001")
            conn.execute(
                insert(feedback),
                [
                    {
                        **OLD_FEEDBACK,
                        "entry_key": "linked",
                        "patient_hash": "p",
                        "known_card": True,
                    },
                    {**OLD_FEEDBACK, "entry_key": "unlinked"},
                ],
            )
    finally:
        engine.dispose()

    with Store.open(url) as store:
        assert store.patients_with_feedback(linked_since=NOW) == {("local", "p")}
    linked = {row["entry_key"]: row["linked_at"] for row in all_rows(url, "feedback")}
    assert linked == {"linked": NOW, "unlinked": None}


OLD_FEEDBACK = {
    "card_uuid": "card-1",
    "service_id": "spinal-origin-patient-view",
    "known_card": False,
    "patient_hash": None,
    "outcome": "overridden",
    "accepted_suggestions": "[]",
    "outcome_timestamp": NOW,
    "received_at": NOW,
}


def test_rows_from_before_callers_were_told_apart_carry_over_to_local(url: str) -> None:
    card = issued()
    engine = connect(url)
    try:
        with transaction(engine, write=True) as conn:
            config = alembic_config()
            config.attributes["connection"] = conn
            command.upgrade(config, "0002")
            conn.execute(insert(issued_card), [OLD_CARD | {"card_uuid": card.uuid}])
            conn.execute(
                insert(feedback),
                [
                    {
                        **OLD_FEEDBACK,
                        "card_uuid": card.uuid,
                        "entry_key": "linked",
                        "patient_hash": "p",
                        "known_card": True,
                        "linked_at": NOW,
                    },
                    {**OLD_FEEDBACK, "entry_key": "unlinked", "linked_at": None},
                ],
            )
    finally:
        engine.dispose()

    with Store.open(url) as store:
        found = store.suppression(
            patient=("local", "p"), cards=[card], now=NOW, period=timedelta(days=1)
        )
    assert found.hidden == {card.uuid}
    callers = {row["entry_key"]: row["caller"] for row in all_rows(url, "feedback")}
    assert callers == {"linked": "local", "unlinked": None}
    assert [row["caller"] for row in all_rows(url, "issued_card")] == ["local"]


OLD_CARD = {
    "service_id": "spinal-origin-patient-view",
    "hook_instance": "h-1",
    "patient_hash": "p",
    "topic": "spinal-origin",
    "joints": "knee",
    "side": "left",
    "fingerprint": "evidence-1",
    "indicator": "warning",
    "issued_at": NOW,
}
