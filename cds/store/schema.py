"""The store's tables, as the queries see them (the migrations own how they came to be).

Feedback fields come from clients, so their lengths are bounded by CHECK constraints: SQLite
ignores `VARCHAR(n)`, and both engines must refuse the same rows.

`caller` keeps callers apart (`cds.security.callers`): a card is matched to its patient and its
feedback within its caller only. Feedback with no caller came unauthenticated (open mode) and
takes the caller of the card it is linked to.
"""

from datetime import UTC, datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    DateTime,
    Dialect,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.dml import Insert

FEEDBACK_LIMITS = {
    "card_uuid": 128,
    "accepted_suggestions": 8192,
    "override_system": 1024,
    "override_code": 256,
    "override_display": 1024,
    "user_comment": 4096,
}
"""Longest value (in characters) the feedback table accepts per client-supplied column."""


def utc(moment: datetime) -> datetime:
    """`moment` in UTC; naive datetimes are refused, since their zone is a guess."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment.isoformat()}: give it a time zone")
    return moment.astimezone(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC datetime on both engines (SQLite would drop the offset on its own)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        return None if value is None else utc(value)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _bounded(name: str) -> CheckConstraint:
    return CheckConstraint(f"length({name}) <= {FEEDBACK_LIMITS[name]}", name=f"{name}_length")


metadata = MetaData()

issued_card = Table(
    "issued_card",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_uuid", String(64), nullable=False, unique=True),
    Column("service_id", String(64), nullable=False),
    Column("hook_instance", String, nullable=False),
    Column("patient_hash", String(64), nullable=False),
    Column("caller", String(256), nullable=False),
    Column("topic", String(32), nullable=False),
    Column("joints", String, nullable=False),
    Column("side", String(16), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("indicator", String(16), nullable=False),
    Column("issued_at", UtcDateTime, nullable=False),
    Index("ix_issued_card_patient_topic", "patient_hash", "topic"),
    Index("ix_issued_card_issued_at", "issued_at"),
)

issued_suggestion = Table(
    "issued_suggestion",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("card_uuid", String(64), nullable=False, index=True),
    Column("suggestion_uuid", String(64), nullable=False),
    Column("label", String, nullable=False),
    Column("code_system", String, nullable=True),
    Column("code", String(64), nullable=True),
    UniqueConstraint("card_uuid", "suggestion_uuid", name="uq_issued_suggestion"),
)

feedback = Table(
    "feedback",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("entry_key", String(64), nullable=False, unique=True),
    Column("card_uuid", Text, nullable=False, index=True),
    Column("service_id", String(64), nullable=False),
    Column("known_card", Boolean, nullable=False),
    # The card's patient, copied from issued_card: per-call reads start from feedback.
    Column("patient_hash", String(64), nullable=True, index=True),
    Column("caller", String(256), nullable=True, index=True),
    Column("outcome", String(16), nullable=False),
    Column("accepted_suggestions", Text, nullable=False),
    Column("override_system", Text, nullable=True),
    Column("override_code", Text, nullable=True),
    Column("override_display", Text, nullable=True),
    Column("user_comment", Text, nullable=True),
    Column("outcome_timestamp", UtcDateTime, nullable=False),
    Column("received_at", UtcDateTime, nullable=False, index=True),
    # When patient_hash was set: at once, or when a card recorded after its feedback came.
    Column("linked_at", UtcDateTime, nullable=True, index=True),
    CheckConstraint("outcome IN ('accepted', 'overridden')", name="outcome_known"),
    *(_bounded(name) for name in FEEDBACK_LIMITS),
)

seen_token = Table(
    "seen_token",
    metadata,
    Column("token_key", String(64), primary_key=True),
    Column("expires_at", UtcDateTime, nullable=False, index=True),
)
"""The `jti` of accepted client JWTs (hashed with their `iss`), kept until they expire."""

call_audit = Table(
    "call_audit",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("hook_instance", String, nullable=False),
    Column("service_id", String(64), nullable=False),
    Column("topics", String, nullable=False),
    Column("card_count", Integer, nullable=False),
    Column("latency_ms", Float, nullable=False),
    Column("http_status", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False, index=True),
)


def insert_new(conn: Connection, table: Table) -> Insert:
    """An INSERT that skips rows whose unique key is already stored."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing()
    return sqlite.insert(table).on_conflict_do_nothing()
