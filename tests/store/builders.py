"""Cards and feedback entries as the service and the HTTP layer would hand them to the store."""

from datetime import UTC, datetime
from uuid import uuid4

from cds.cards.issued import IssuedCard, IssuedSuggestion
from cds.protocol import Action, Card, CardSource, Coding, Suggestion, TopicCoding
from cds.store import FeedbackEntry, PatientKey, ShownCards, Store, patient_hash
from cds.types import JSON, TOPIC_SYSTEM, Indicator, SuggestionKind, Topic

NOW = datetime(2025, 6, 2, 12, 0, tzinfo=UTC)
CALLER = "https://ehr.example.org"
OTHER_CALLER = "https://other-ehr.example.org"
PATIENT = patient_hash("Patient/p1", b"test key")
OTHER_PATIENT = patient_hash("Patient/p2", b"test key")
SNOMED = "http://snomed.info/sct"
PHYSIO: tuple[SuggestionKind, tuple[str, str]] = (
    "physiotherapy",
    ("308447003", "Referral to physiotherapist"),
)
SPINAL_ASSESSMENT: tuple[SuggestionKind, tuple[str, str]] = (
    "spinal-assessment",
    ("710124002", "Spinal assessment"),
)
NOT_RELEVANT = Coding(
    system="http://example.org/override-reason", code="not-relevant", display="Not relevant"
)
INDICATORS: dict[str, Indicator] = {"red-flag": "critical", "spinal-origin": "warning"}


def suggestion(kind: SuggestionKind, code: tuple[str, str]) -> IssuedSuggestion:
    coding = Coding(system=SNOMED, code=code[0], display=code[1])
    resource: JSON = {
        "resourceType": "ServiceRequest",
        "status": "draft",
        "intent": "proposal",
        "code": {"coding": [coding.model_dump()]},
    }
    action = Action(type="create", description=code[1], resource=resource)
    wire = Suggestion(label=code[1], uuid=str(uuid4()), actions=[action])
    return IssuedSuggestion(kind, coding, wire)


def issued(
    topic: Topic = "spinal-origin",
    *,
    joints: tuple[str, ...] = ("knee",),
    side: str = "left",
    fingerprint: str = "evidence-1",
    suggests: tuple[tuple[SuggestionKind, tuple[str, str]], ...] = (),
) -> IssuedCard:
    suggestions = tuple(suggestion(kind, code) for kind, code in suggests)
    card = Card(
        uuid=str(uuid4()),
        summary=f"{topic} card",
        indicator=INDICATORS.get(topic, "warning"),
        detail="evidence",
        source=CardSource(
            label="test", url="http://test", topic=TopicCoding(system=TOPIC_SYSTEM, code=topic)
        ),
        suggestions=[s.wire for s in suggestions] or None,
        selectionBehavior="any" if suggestions else None,
    )
    return IssuedCard(card, suggestions, joints=joints, side=side, fingerprint=fingerprint)


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
        card_uuid=card.uuid,
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
        card_uuid=card if isinstance(card, str) else card.uuid,
        outcome="overridden",
        accepted_suggestions=(),
        override_reason=reason,
        user_comment=None,
        outcome_timestamp=at,
    )
