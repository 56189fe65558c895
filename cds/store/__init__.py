"""The feedback, issued-card and audit store, on SQLite or PostgreSQL.

Synchronous and thread-safe: the service calls `Store` methods on its own store threads
(`cds.api.runtime`), never on the event loop. Every failure below this package is raised as
`StoreUnavailable`.
"""

from cds.store.audit import CallAudit
from cds.store.database import DEFAULT_URL
from cds.store.feedback import FeedbackEntry, SavedFeedback
from cds.store.recording import PatientKey, ShownCards, patient_hash
from cds.store.report import ReasonCount, Report, TopicReport
from cds.store.store import Store
from cds.store.suppression import NOTHING_SUPPRESSED, Suppression

__all__ = [
    "DEFAULT_URL",
    "NOTHING_SUPPRESSED",
    "CallAudit",
    "FeedbackEntry",
    "PatientKey",
    "ReasonCount",
    "Report",
    "SavedFeedback",
    "ShownCards",
    "Store",
    "Suppression",
    "TopicReport",
    "patient_hash",
]
