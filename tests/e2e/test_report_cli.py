"""`cds report` (a subprocess on the test's database) prints the counts the test posted through
HTTP: per topic issued, accepted, overridden, ignored, and the override reasons."""

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.e2e.clinic import (
    CAUDA_EQUINA,
    LUMBAR_MRI,
    ORDER_SELECT,
    PROJECT_REASONS,
    RADICULAR,
    accepted,
    call,
    one_card,
    overridden,
    physiotherapy,
    post_feedback,
)
from tests.e2e.services import CDS, service_environment

EMPTY = {"issued": 0, "accepted": 0, "overridden": 0, "ignored": 0, "overrideReasons": []}
EXPECTED = {
    "spinal-origin": {
        "issued": 4,
        "accepted": 1,
        "overridden": 3,
        "ignored": 0,
        "overrideReasons": [("already-assessed", 2), ("patient-declined", 1)],
    },
    "red-flag": {
        "issued": 2,
        "accepted": 1,
        "overridden": 1,
        "ignored": 0,
        "overrideReasons": [("not-clinically-relevant", 1)],
    },
    "inflammatory-pattern": EMPTY,
    "order-spinal-origin": EMPTY,
    "imaging-appropriateness": {
        "issued": 2,
        "accepted": 1,
        "overridden": 1,
        "ignored": 0,
        "overrideReasons": [("result-would-change-management", 1)],
    },
}


def cds_report(db: str, *args: str) -> str:
    result = subprocess.run(
        [CDS, "report", *args],
        env=service_environment(db),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@pytest.fixture
def posted(client: httpx.Client, db: str) -> Iterator[str]:
    """Cards issued, accepted, overridden and ignored through HTTP; the database's URL.

    Four radicular calls before any feedback issue four spinal-origin cards; two cauda equina
    calls each issue a red flag, the only card; two order-select calls for a lumbar MRI each
    issue an imaging card, one accepted (the order replaced by physiotherapy), one overridden.
    One feedback entry is about a card the service never issued.
    """
    radicular = [one_card(call(client, RADICULAR), "spinal-origin") for _ in range(4)]
    flagged = [call(client, CAUDA_EQUINA) for _ in range(2)]
    red = [one_card(cards, "red-flag") for cards in flagged]
    receipt = post_feedback(
        client,
        accepted(radicular[0], *physiotherapy(radicular[0]), minute=1),
        overridden(radicular[1], "already-assessed", minute=2),
        overridden(radicular[2], "already-assessed", minute=3),
        overridden(radicular[3], "patient-declined", minute=4, display=False),
        overridden(red[0], "not-clinically-relevant", minute=5),
        accepted(red[1], minute=6),
        overridden("never-issued-card", "already-assessed", minute=7),
    )
    assert receipt == {"stored": 7, "duplicates": 0, "unknownCards": 1}
    lumbar = [one_card(call(client, LUMBAR_MRI, ORDER_SELECT), "imaging-appropriateness")]
    lumbar.append(one_card(call(client, LUMBAR_MRI, ORDER_SELECT), "imaging-appropriateness"))
    replace = [s for s in lumbar[0]["suggestions"] if s["isRecommended"]]
    receipt = post_feedback(
        client,
        accepted(lumbar[0], *replace, minute=8),
        overridden(lumbar[1], "result-would-change-management", minute=9),
        service=ORDER_SELECT,
    )
    assert receipt == {"stored": 2, "duplicates": 0, "unknownCards": 0}
    yield db


def test_json(posted: str) -> None:
    report = json.loads(cds_report(posted, "--format", "json"))

    topics = {
        topic.pop("topic"): {
            **topic,
            "overrideReasons": [
                (r["code"], r["count"])
                for r in topic["overrideReasons"]
                if r["system"] == PROJECT_REASONS
            ],
        }
        for topic in report["topics"]
    }
    assert topics == EXPECTED
    named = {(r["code"], r["display"]) for t in report["topics"] for r in t["overrideReasons"]}
    assert ("patient-declined", "Patient declined") in named, "sent without display, named here"
    assert report["since"] is None
    assert report["unknownCardFeedback"] == 1


def test_text(posted: str) -> None:
    lines = cds_report(posted).splitlines()

    table = {line.split()[0]: line.split()[1:] for line in lines[2:8]}
    assert table["topic"] == ["issued", "accepted", "overridden", "ignored"]
    for topic, counts in EXPECTED.items():
        measures = [str(counts[m]) for m in ("issued", "accepted", "overridden", "ignored")]
        assert table[topic] == measures, topic
    reasons = [line.split(maxsplit=2) for line in lines[lines.index("Override reasons") + 1 :]]
    assert reasons[:3] == [
        ["spinal-origin", "2", f"already-assessed Already assessed ({PROJECT_REASONS})"],
        ["spinal-origin", "1", f"patient-declined Patient declined ({PROJECT_REASONS})"],
        ["red-flag", "1", f"not-clinically-relevant Not clinically relevant ({PROJECT_REASONS})"],
    ]
    assert [
        "imaging-appropriateness",
        "1",
        f"result-would-change-management The result would change management ({PROJECT_REASONS})",
    ] in reasons
    assert lines[-1] == "Feedback on cards with no record: 1"


def test_csv(posted: str) -> None:
    rows = list(csv.DictReader(io.StringIO(cds_report(posted, "--format", "csv"))))

    counts: dict[tuple[str, str, str], int] = {
        (row["topic"], row["measure"], row["reason_code"]): int(row["count"]) for row in rows
    }
    expected: dict[tuple[str, str, str], int] = {("", "unknown_card_feedback", ""): 1}
    for topic, measures in EXPECTED.items():
        for measure in ("issued", "accepted", "overridden", "ignored"):
            expected[(topic, measure, "")] = measures[measure]  # type: ignore[assignment]
        reasons: Any = measures["overrideReasons"]
        for code, n in reasons:
            expected[(topic, "override_reason", code)] = n
    assert counts == expected
    assert {row["reason_system"] for row in rows if row["measure"] == "override_reason"} == {
        PROJECT_REASONS
    }


def test_since_counts_cards_issued_from_that_day(posted: str) -> None:
    same_day = json.loads(cds_report(posted, "--since", "2026-06-01", "--format", "json"))
    next_day = json.loads(cds_report(posted, "--since", "2026-06-02", "--format", "json"))

    assert [t["issued"] for t in same_day["topics"]] == [4, 2, 0, 0, 2]
    assert [t["issued"] for t in next_day["topics"]] == [0, 0, 0, 0, 0]
    assert next_day["unknownCardFeedback"] == 0
