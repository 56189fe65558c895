"""The governance report as text for people, or JSON / CSV for spreadsheets and scripts.

The result has no final newline: the caller prints it. Override reasons come from clients: in
CSV a cell that a spreadsheet would run as a formula is quoted with a leading `'`, and text
output drops control characters (a terminal would obey escape codes).
"""

import csv
import io
import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Literal

from cds.store import ReasonCount, Report
from cds.terminology import default_terminology
from cds.terminology.model import CodeSystemConcept

ReportFormat = Literal["text", "json", "csv"]
MEASURES = ("issued", "accepted", "overridden", "ignored")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def csv_cell(value: object) -> object:
    """`value`, with a string a spreadsheet would read as a formula made plain text."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def printable(text: str) -> str:
    return CONTROL_CHARACTERS.sub("", text)


def format_report(report: Report, fmt: ReportFormat) -> str:
    report = with_displays(report, default_terminology().code_systems)
    if fmt == "json":
        return json.dumps(_as_json(report), indent=2)
    if fmt == "csv":
        return _as_csv(report)
    return _as_text(report)


def with_displays(
    report: Report, code_systems: Mapping[str, tuple[CodeSystemConcept, ...]]
) -> Report:
    """Reasons a client sent as system and code only, named from the service's CodeSystems."""
    names = {(c.system, c.code): c.display for concepts in code_systems.values() for c in concepts}

    def named(reason: ReasonCount) -> ReasonCount:
        coding = reason.reason
        if coding is None or coding.display:
            return reason
        display = names.get((coding.system or "", coding.code))
        if not display:
            return reason
        return replace(reason, reason=coding.model_copy(update={"display": display}))

    topics = [
        replace(topic, override_reasons=tuple(named(r) for r in topic.override_reasons))
        for topic in report.topics
    ]
    return replace(report, topics=tuple(topics))


def _as_json(report: Report) -> dict[str, object]:
    return {
        "since": None if report.since is None else report.since.isoformat(),
        "topics": [
            {
                "topic": topic.topic,
                **{measure: getattr(topic, measure) for measure in MEASURES},
                "overrideReasons": [_reason_json(reason) for reason in topic.override_reasons],
            }
            for topic in report.topics
        ],
        "unknownCardFeedback": report.unknown_card_feedback,
    }


def _reason_json(reason: ReasonCount) -> dict[str, object]:
    coding = reason.reason
    return {
        "system": coding and coding.system,
        "code": coding and coding.code,
        "display": coding and coding.display,
        "count": reason.count,
    }


def _as_csv(report: Report) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["topic", "measure", "count", "reason_system", "reason_code", "reason_display"])
    for topic in report.topics:
        for measure in MEASURES:
            writer.writerow([topic.topic, measure, getattr(topic, measure), "", "", ""])
        for reason in topic.override_reasons:
            coding = reason.reason
            writer.writerow(
                [
                    topic.topic,
                    "override_reason",
                    reason.count,
                    csv_cell(coding.system if coding else ""),
                    csv_cell(coding.code if coding else ""),
                    csv_cell((coding.display or "") if coding else ""),
                ]
            )
    writer.writerow(["", "unknown_card_feedback", report.unknown_card_feedback, "", "", ""])
    return out.getvalue().removesuffix("\n")


def _as_text(report: Report) -> str:
    since = (
        "all cards"
        if report.since is None
        else f"cards issued since {report.since:%Y-%m-%d %H:%M %Z}"
    )
    width = max([len("topic"), *(len(topic.topic) for topic in report.topics)])
    lines = [
        f"Card outcomes, {since}",
        "",
        f"{'topic':<{width}}" + "".join(f"  {measure:>10}" for measure in MEASURES),
    ]
    for topic in report.topics:
        counts = "".join(f"  {getattr(topic, measure):>10}" for measure in MEASURES)
        lines.append(f"{topic.topic:<{width}}{counts}")
    reasons = [
        (topic.topic, reason) for topic in report.topics for reason in topic.override_reasons
    ]
    if reasons:
        lines += ["", "Override reasons"]
        for name, reason in reasons:
            lines.append(f"{name:<{width}}  {reason.count:>10}  {_reason_text(reason)}")
    lines += ["", f"Feedback on cards with no record: {report.unknown_card_feedback}"]
    return "\n".join(lines)


def _reason_text(reason: ReasonCount) -> str:
    coding = reason.reason
    if coding is None:
        return "(no coded reason)"
    label = f"{coding.code} {coding.display}" if coding.display else coding.code
    return printable(f"{label} ({coding.system})" if coding.system else label)
