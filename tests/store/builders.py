"""Cards and feedback entries as the service and the HTTP layer would hand them to the store."""

from datetime import UTC, datetime
from uuid import uuid4

from cds.cards.issued import IssuedCard
from cds.store import Coding, FeedbackEntry, PatientKey, ShownCards, Store, patient_hash
from cds.types import JSON, TOPIC_SYSTEM, Topic

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
CALLER = "https://ehr.example.org"
OTHER_CALLER = "https://other-ehr.example.org"
PATIENT = patient_hash("Patient/p1", b"test key")
OTHER_PATIENT = patient_hash("Patient/p2", b"test key")
SNOMED = "http://snomed.info/sct"
PHYSIO = ("308447003", "Referral to physiotherapist")
SPINAL_ASSESSMENT = ("710124002", "Spinal assessment")
NOT_RELEVANT = Coding("http://example.org/override-reason", "not-relevant", "Not relevant")
INDICATORS = {"red-flag": "critical", "spinal-origin": "warning"}


def suggestion(code: tuple[str, str]) -> JSON:
    return {
        "uuid": str(uuid4()),
        "label": code[1],
        "actions": [
            {
                "type": "create",
                "description": code[1],
                "resource": {
                    "resourceType": "ServiceRequest",
                    "status": "draft",
                    "intent": "proposal",
                    "code": {"coding": [{"system": SNOMED, "code": code[0], "display": code[1]}]},
                },
            }
        ],
    }


def issued(
    topic: Topic = "spinal-origin",
    *,
    joints: tuple[str, ...] = ("knee",),
    side: str = "left",
    fingerprint: str = "evidence-1",
    suggests: tuple[tuple[str, str], ...] = (),
) -> IssuedCard:
    card = {
        "uuid": str(uuid4()),
        "summary": f"{topic} card",
        "indicator": INDICATORS.get(topic, "warning"),
        "source": {"label": "test", "topic": {"system": TOPIC_SYSTEM, "code": topic}},
        "suggestions": [suggestion(code) for code in suggests],
    }
    return IssuedCard(card=card, topic=topic, joints=joints, side=side, fingerprint=fingerprint)


def shown(
    *cards: IssuedCard, patient: str = PATIENT, at: datetime = NOW, caller: str = CALLER
) -> ShownCards:
    return ShownCards.of(
        cards,
        service_id="spinal-origin-patient-view",
        hook_instance=str(uuid4()),
        patient_hash=patient,
        at=at,
        caller=caller,
    )


def record(
    store: Store,
    *cards: IssuedCard,
    patient: str = PATIENT,
    at: datetime = NOW,
    caller: str = CALLER,
) -> set[PatientKey]:
    """The cards as one call's, written as a flush would: the patients whose feedback it linked."""
    return store.save_calls(at, cards=[shown(*cards, patient=patient, at=at, caller=caller)])


def accepted(card: IssuedCard, *suggestions: str, at: datetime = NOW) -> FeedbackEntry:
    return FeedbackEntry(
        card_uuid=card.card["uuid"],
        outcome="accepted",
        accepted_suggestions=suggestions,
        override_reason=None,
        user_comment=None,
        outcome_timestamp=at,
    )


def overridden(
    card: IssuedCard | str, *, at: datetime = NOW, reason: Coding | None = NOT_RELEVANT
) -> FeedbackEntry:
    return FeedbackEntry(
        card_uuid=card if isinstance(card, str) else card.card["uuid"],
        outcome="overridden",
        accepted_suggestions=(),
        override_reason=reason,
        user_comment=None,
        outcome_timestamp=at,
    )
