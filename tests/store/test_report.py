import csv
import io
import json
from datetime import timedelta

import pytest

from cds.cli.report_text import format_report
from cds.protocol import Coding
from cds.store import ReasonCount, Store, TopicReport

from .builders import CALLER, NOT_RELEVANT, NOW, accepted, issued, overridden, record

SERVICE = "spinal-origin-patient-view"
WRONG_SIDE = Coding(system="http://example.org/override-reason", code="wrong-side")


@pytest.fixture
def reported(store: Store) -> Store:
    old, taken, rejected, rejected_twice, unanswered, flag = (
        issued(),
        issued(),
        issued(),
        issued(),
        issued(),
        issued("red-flag"),
    )
    record(store, old, at=NOW - timedelta(days=60))
    record(store, taken, rejected, rejected_twice, unanswered, flag)
    store.save_feedback(
        CALLER,
        SERVICE,
        [
            overridden(old),
            accepted(taken),
            overridden(rejected),
            overridden(rejected_twice, reason=WRONG_SIDE),
            overridden(rejected_twice, reason=None, at=NOW + timedelta(minutes=1)),
            accepted(flag),
            overridden("never-issued"),
        ],
        NOW,
    )
    return store


def test_outcomes_are_counted_per_topic(reported: Store) -> None:
    report = reported.report(since=None)

    by_topic = {topic.topic: topic for topic in report.topics}
    assert list(by_topic) == [
        "spinal-origin",
        "red-flag",
        "inflammatory-pattern",
        "order-spinal-origin",
        "imaging-appropriateness",
    ]
    assert by_topic["spinal-origin"] == TopicReport(
        topic="spinal-origin",
        issued=5,
        accepted=1,
        overridden=3,
        ignored=1,
        override_reasons=(
            ReasonCount(NOT_RELEVANT, 2),
            ReasonCount(WRONG_SIDE, 1),
            ReasonCount(None, 1),
        ),
    )
    assert by_topic["red-flag"] == TopicReport("red-flag", 1, 1, 0, 0, ())
    assert by_topic["inflammatory-pattern"] == TopicReport("inflammatory-pattern", 0, 0, 0, 0, ())
    assert report.unknown_card_feedback == 1


def test_since_counts_only_cards_issued_from_then(reported: Store) -> None:
    report = reported.report(since=NOW - timedelta(days=1))

    spinal = report.topics[0]
    assert (spinal.issued, spinal.accepted, spinal.overridden, spinal.ignored) == (4, 1, 2, 1)
    assert spinal.override_reasons[0] == ReasonCount(NOT_RELEVANT, 1)
    assert reported.report(since=NOW + timedelta(days=1)).unknown_card_feedback == 0


def test_the_report_reads_as_text_json_and_csv(reported: Store) -> None:
    report = reported.report(since=NOW - timedelta(days=1))

    text = format_report(report, "text")
    assert "spinal-origin" in text and "not-relevant Not relevant" in text
    assert not text.endswith("\n")

    as_json = json.loads(format_report(report, "json"))
    assert as_json["since"] == "2025-06-01T12:00:00+00:00"
    assert as_json["topics"][0]["overrideReasons"][0] == {
        "system": NOT_RELEVANT.system,
        "code": "not-relevant",
        "display": "Not relevant",
        "count": 1,
    }
    assert as_json["unknownCardFeedback"] == 1

    table = list(csv.DictReader(format_report(report, "csv").splitlines()))
    issued_counts = {row["topic"]: row["count"] for row in table if row["measure"] == "issued"}
    assert issued_counts["spinal-origin"] == "4"
    assert table[-1] == {
        "topic": "",
        "measure": "unknown_card_feedback",
        "count": "1",
        "reason_system": "",
        "reason_code": "",
        "reason_display": "",
    }


def test_a_reason_without_a_code_system_is_counted(store: Store) -> None:
    card = issued()
    record(store, card)
    busy = Coding(code="busy")
    store.save_feedback(CALLER, SERVICE, [overridden(card, reason=busy)], NOW)

    report = store.report(since=None)

    assert report.topics[0].override_reasons == (ReasonCount(busy, 1),)
    assert "busy\n" in format_report(report, "text")


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_a_reason_a_spreadsheet_would_run_is_plain_text_in_csv(store: Store, start: str) -> None:
    card = issued()
    record(store, card)
    formula = f'{start}HYPERLINK("https://evil.example","x")'
    reason = Coding(system=formula, code=formula, display=formula)
    store.save_feedback(CALLER, SERVICE, [overridden(card, reason=reason)], NOW)

    output = format_report(store.report(since=None), "csv")
    table = list(csv.DictReader(io.StringIO(output, newline="")))

    row = next(row for row in table if row["measure"] == "override_reason")
    cells = (row["reason_system"], row["reason_code"], row["reason_display"])
    assert cells == ("'" + formula,) * 3


def test_text_output_drops_control_characters(store: Store) -> None:
    card = issued()
    record(store, card)
    reason = Coding(
        system="http://example.org/\x1b]0;owned\x07",
        code="x\x1b[2J",
        display="shown\x9b31m\rhidden",
    )
    store.save_feedback(CALLER, SERVICE, [overridden(card, reason=reason)], NOW)

    text = format_report(store.report(since=None), "text")

    assert "x[2J shown31mhidden (http://example.org/]0;owned)" in text
    assert not any((ord(c) < 0x20 and c != "\n") or 0x7F <= ord(c) <= 0x9F for c in text)
