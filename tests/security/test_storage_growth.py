"""Nobody can grow the store at will, through the running service: refused calls (401, 404) are
counted but not written, feedback on cards that never were is bounded per caller, and what is
older than CDS_RETENTION_DAYS is deleted by the service and by `cds purge`."""

import re
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from cds.data.scenarios import FIXTURES_NOW as NOW
from cds.store import CallAudit, Store
from cds.store.feedback import UNKNOWN_CARD_LIMIT
from tests.store.builders import issued, overridden, shown
from tests.support import requests as req
from tests.support.service import OWN_URL, running_service
from tests.support.tables import count

CDS = str(Path(sys.executable).with_name("cds"))
PV_ID = "spinal-origin-patient-view"
PV = f"/cds-services/{PV_ID}"
ISSUERS = '{"https://ehr.example.org": "https://ehr.example.org/jwks.json"}'
TABLES = ("issued_card", "issued_suggestion", "feedback", "call_audit")


def _settled(url: str, table: str, expected: int, seconds: float = 5.0) -> int:
    """The row count of `table` once it is `expected`, or after `seconds`."""
    deadline = time.monotonic() + seconds
    while (found := count(url, table)) != expected and time.monotonic() < deadline:
        time.sleep(0.05)
    return found


def _calls(url: str, service: str, status: int) -> float:
    """`cds_calls_total` for this service and status (counters live as long as the process)."""
    text = httpx.get(url + "/metrics").text
    found = re.search(rf'cds_calls_total{{service="{service}",status="{status}"}} (\S+)', text)
    return float(found.group(1)) if found else 0.0


def test_refused_calls_are_counted_not_written(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cds.sqlite3'}"
    with running_service(database_url=db, trusted_issuers=ISSUERS, public_base_url=OWN_URL) as url:
        before = (_calls(url, PV_ID, 401), _calls(url, "unknown", 404))
        statuses = [httpx.post(url + PV, json=req.patient_view()).status_code for _ in range(20)]
        statuses += [httpx.post(url + "/cds-services/nope", json={}).status_code for _ in range(5)]
        after = (_calls(url, PV_ID, 401), _calls(url, "unknown", 404))
        time.sleep(0.5)  # two flushes
    assert statuses == [401] * 20 + [404] * 5
    assert (after[0] - before[0], after[1] - before[1]) == (20, 5)
    assert count(db, "call_audit") == 0


def test_feedback_on_unknown_cards_is_bounded(service: str) -> None:
    """Each entry up to ~14 kB: unbounded, a flood of them would fill the disk."""
    reason = {"reason": {"code": "x" * 200}}
    entries = [
        {
            "card": f"never-issued-{i}",
            "outcome": "overridden",
            "overrideReason": reason,
            "outcomeTimestamp": NOW.isoformat(),
        }
        for i in range(UNKNOWN_CARD_LIMIT + 1)
    ]
    url = service + PV + "/feedback"
    flood = httpx.post(url, json={"feedback": entries[:-1]}, timeout=30)
    more = httpx.post(url, json={"feedback": entries[-1:]}, timeout=30)
    assert flood.json()["stored"] == UNKNOWN_CARD_LIMIT
    assert more.json() == {"stored": 0, "duplicates": 0, "unknownCards": 1}


def _old_rows(db: str, age: timedelta) -> None:
    """A card with a suggestion, feedback on it and an audit row, all `age` old."""
    card = issued(suggests=(("308447003", "Referral to physiotherapist"),))
    with Store.open(db) as store:
        at = NOW - age
        audit = CallAudit(
            "h-old", "spinal-origin-patient-view", ("spinal-origin",), 1, 1.0, 200, at
        )
        store.save_calls(at, cards=[shown(card, at=at, caller="local")], audits=[audit])
        store.save_feedback(None, "spinal-origin-patient-view", [overridden(card, at=at)], at)
    assert [count(db, table) for table in TABLES] == [1, 1, 1, 1]


def test_the_service_deletes_what_is_past_retention(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cds.sqlite3'}"
    _old_rows(db, timedelta(days=401))
    with running_service(database_url=db, now=NOW):
        assert [_settled(db, table, 0) for table in TABLES] == [0, 0, 0, 0]


def test_rows_within_retention_stay(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'cds.sqlite3'}"
    _old_rows(db, timedelta(days=399))
    with running_service(database_url=db, now=NOW):
        time.sleep(0.5)
    assert [count(db, table) for table in TABLES] == [1, 1, 1, 1]


@pytest.mark.parametrize(("days", "left"), [("", 1), ("30", 0)])
def test_cds_purge_deletes_what_is_past_retention(tmp_path: Path, days: str, left: int) -> None:
    db = f"sqlite:///{tmp_path / 'cds.sqlite3'}"
    _old_rows(db, timedelta(days=60))
    env = {"PATH": "/usr/bin:/bin", "CDS_DATABASE_URL": db, "CDS_NOW": NOW.isoformat()}
    purged = subprocess.run(
        [CDS, "purge", *(["--days", days] if days else [])],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert purged.returncode == 0, purged.stderr
    assert [count(db, table) for table in TABLES] == [left] * 4
