"""One row per service call, for operations: what was answered, how fast. No patient data."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from cds.store.recording import joined
from cds.store.schema import call_audit, utc


@dataclass(frozen=True, slots=True)
class CallAudit:
    hook_instance: str
    service_id: str
    topics: tuple[str, ...]
    card_count: int
    latency_ms: float
    status: int
    at: datetime


def record_calls(conn: Connection, audits: Sequence[CallAudit]) -> None:
    conn.execute(
        call_audit.insert(),
        [
            {
                "hook_instance": audit.hook_instance,
                "service_id": audit.service_id,
                "topics": joined(audit.topics),
                "card_count": audit.card_count,
                "latency_ms": audit.latency_ms,
                "http_status": audit.status,
                "at": utc(audit.at),
            }
            for audit in audits
        ],
    )
