"""The feedback, issued-card and audit store, on SQLite or PostgreSQL.

Synchronous and thread-safe: async code calls `Store` methods in a worker thread
(`anyio.to_thread.run_sync` / `starlette.concurrency.run_in_threadpool`) so that they never
block the event loop. Every failure below this package is raised as `StoreUnavailable`.
"""

from cds.store.audit import CallAudit
from cds.store.database import DEFAULT_URL
from cds.store.feedback import Coding, FeedbackEntry, FeedbackReceipt
from cds.store.recording import PatientKey, ShownCards, patient_hash
from cds.store.report import ReasonCount, Report, TopicReport
from cds.store.store import Store
from cds.store.suppression import NOTHING_SUPPRESSED, Suppression

__all__ = [
    "DEFAULT_URL",
    "NOTHING_SUPPRESSED",
    "CallAudit",
    "Coding",
    "FeedbackEntry",
    "FeedbackReceipt",
    "PatientKey",
    "ReasonCount",
    "Report",
    "ShownCards",
    "Store",
    "Suppression",
    "TopicReport",
    "patient_hash",
]
