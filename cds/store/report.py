"""The governance report: per topic, how often cards were issued, accepted, overridden, ignored.

Counts cover the cards issued since a date, whenever their feedback came; feedback about cards
the service has no record of is counted by when it was received.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import get_args

from sqlalchemy import ColumnElement, Connection, Join, Select, and_, exists, func, select, true

from cds.protocol import Coding
from cds.store.schema import feedback, issued_card
from cds.types import Topic


@dataclass(frozen=True, slots=True)
class ReasonCount:
    reason: Coding | None
    """None: overridden without a coded reason."""
    count: int


@dataclass(frozen=True, slots=True)
class TopicReport:
    topic: str
    issued: int
    accepted: int
    """Cards with at least one `accepted` feedback entry."""
    overridden: int
    """Cards with at least one `overridden` feedback entry."""
    ignored: int
    """Cards with no feedback at all."""
    override_reasons: tuple[ReasonCount, ...]
    """Most frequent first."""


@dataclass(frozen=True, slots=True)
class Report:
    since: datetime | None
    topics: tuple[TopicReport, ...]
    unknown_card_feedback: int


_ABOUT_THE_CARD = and_(
    feedback.c.card_uuid == issued_card.c.card_uuid, feedback.c.caller == issued_card.c.caller
)
"""Feedback from the card's own caller: another caller's is feedback on an unknown card."""


def build_report(conn: Connection, since: datetime | None) -> Report:
    in_window = true() if since is None else issued_card.c.issued_at >= since
    topic = issued_card.c.topic
    issued = _counts(conn, select(topic, func.count()).where(in_window).group_by(topic))
    answered = exists().where(_ABOUT_THE_CARD)
    ignored = _counts(conn, select(topic, func.count()).where(in_window, ~answered).group_by(topic))
    with_feedback = issued_card.join(feedback, _ABOUT_THE_CARD)
    outcomes: dict[tuple[str, str], int] = {
        (row.topic, row.outcome): row.cards
        for row in conn.execute(
            select(
                topic,
                feedback.c.outcome,
                func.count(issued_card.c.card_uuid.distinct()).label("cards"),
            )
            .select_from(with_feedback)
            .where(in_window)
            .group_by(topic, feedback.c.outcome)
        )
    }
    reasons = _reasons(conn, with_feedback, in_window)
    topics = [*get_args(Topic), *sorted(issued.keys() - set(get_args(Topic)))]
    # Whether the card is on record now, not when its feedback came (`known_card`): a card
    # recorded after its feedback is counted under its topic, and only there.
    on_record = exists().where(_ABOUT_THE_CARD)
    unknown = select(func.count()).select_from(feedback).where(~on_record)
    if since is not None:
        unknown = unknown.where(feedback.c.received_at >= since)
    return Report(
        since=since,
        topics=tuple(
            TopicReport(
                topic=name,
                issued=issued.get(name, 0),
                accepted=outcomes.get((name, "accepted"), 0),
                overridden=outcomes.get((name, "overridden"), 0),
                ignored=ignored.get(name, 0),
                override_reasons=tuple(reasons.get(name, ())),
            )
            for name in topics
        ),
        unknown_card_feedback=conn.scalar(unknown) or 0,
    )


def _counts(conn: Connection, query: Select[str, int]) -> dict[str, int]:
    return {name: count for name, count in conn.execute(query)}


def _reasons(
    conn: Connection, with_feedback: Join, in_window: ColumnElement[bool]
) -> dict[str, list[ReasonCount]]:
    system, code = feedback.c.override_system, feedback.c.override_code
    count = func.count().label("n")
    rows = conn.execute(
        select(issued_card.c.topic, system, code, func.max(feedback.c.override_display), count)
        .select_from(with_feedback)
        .where(in_window, feedback.c.outcome == "overridden")
        .group_by(issued_card.c.topic, system, code)
        .order_by(count.desc(), system.asc().nulls_last(), code.asc().nulls_last())
    )
    reasons: dict[str, list[ReasonCount]] = {}
    for name, system_, code_, display, n in rows:
        coding = None if code_ is None else Coding(system=system_, code=code_, display=display)
        reasons.setdefault(name, []).append(ReasonCount(coding, n))
    return reasons
