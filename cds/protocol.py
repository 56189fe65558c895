"""CDS Hooks 2.0 wire models: the request envelope, hook contexts, feedback, and the cards
and receipts this service answers with (`/openapi.json` states these very models).

Prefetch content is deliberately not modelled: it stays raw JSON until the clinical core
has chosen the few resources worth validating.
"""

from datetime import UTC, datetime
from typing import Annotated, Literal, TypeVar

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)
from pydantic.json_schema import SkipJsonSchema

from cds.exceptions import InvalidRequest
from cds.types import JSON, Indicator, Topic

T = TypeVar("T")
NonEmpty = Annotated[list[T], Field(min_length=1)]
"""CDS Hooks sends no empty arrays: an optional list is left out or holds something."""
Uuid = Annotated[str, Field(json_schema_extra={"format": "uuid"})]


Model = TypeVar("Model", bound=BaseModel)


def validate(model: type[Model], data: object, prefix: str = "") -> Model:
    """Validates wire data; the 400 names the first offending field, dotted from the body's root."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False, include_input=False)[0]
        parts = [prefix] if prefix else []
        path = ".".join([*parts, *(str(part) for part in first["loc"])])
        message = first["msg"].removeprefix("Value error, ")
        raise InvalidRequest(f"{path or 'body'}: {message}", field=path or None) from exc


class Wire(BaseModel):
    """What a client sends: CDS Hooks objects may carry extensions."""

    model_config = ConfigDict(extra="allow", frozen=True)


class Reply(BaseModel):
    """What this service sends: the fields stated and no others; a field left out is never
    sent as null (`SkipJsonSchema[None]` keeps null out of the schema too)."""

    model_config = ConfigDict(extra="forbid", frozen=True)


class FhirAuthorization(Wire):
    access_token: str = Field(min_length=1)
    token_type: Literal["Bearer", "bearer"]
    expires_in: int
    scope: str
    subject: str
    patient: str | None = None


class CdsRequest(Wire):
    hook: str = Field(min_length=1)
    hookInstance: str = Field(min_length=1)
    fhirServer: str | None = None
    fhirAuthorization: FhirAuthorization | None = None
    context: JSON

    @model_validator(mode="after")
    def _fhir_server_with_authorization(self) -> "CdsRequest":
        if self.fhirAuthorization is not None and not self.fhirServer:
            raise ValueError("fhirServer is required when fhirAuthorization is present")
        return self


class HookContext(Wire):
    """What every hook's context holds; each hook's model adds its own fields."""

    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None


class PatientViewContext(HookContext):
    pass


class DraftOrders(Wire):
    """A Bundle of draft orders; `type` is optional because the CDS Hooks sandbox omits it."""

    resourceType: Literal["Bundle"]
    entry: list[JSON] = Field(default_factory=list)

    @field_validator("entry")
    @classmethod
    def _entries_hold_resources(cls, entry: list[JSON]) -> list[JSON]:
        for index, item in enumerate(entry):
            if not isinstance(item.get("resource"), dict):
                raise ValueError(f"entry[{index}].resource must be a FHIR resource object")
        return entry

    def resources(self) -> list[JSON]:
        return [item["resource"] for item in self.entry]


class OrderSelectContext(HookContext):
    selections: list[str]
    draftOrders: DraftOrders


class OrderSignContext(HookContext):
    draftOrders: DraftOrders


class Coding(Wire):
    system: str | None = Field(None, max_length=1024)
    code: str = Field(min_length=1, max_length=256)
    display: str | None = Field(None, max_length=1024)


class OverrideReason(Wire):
    reason: Coding | None = None
    userComment: str | None = Field(None, max_length=4096)


class AcceptedSuggestion(Wire):
    id: str = Field(min_length=1, max_length=128)


class FeedbackItem(Wire):
    card: str = Field(min_length=1, max_length=128)
    outcome: Literal["accepted", "overridden"]
    acceptedSuggestions: list[AcceptedSuggestion] = Field(default_factory=list, max_length=50)
    overrideReason: OverrideReason | None = None
    outcomeTimestamp: AwareDatetime
    """With a UTC offset: the store keeps UTC and will not guess a zone."""

    @field_validator("outcomeTimestamp")
    @classmethod
    def _convertible_to_utc(cls, value: datetime) -> datetime:
        try:
            value.astimezone(UTC)
        except OverflowError:
            raise ValueError("out of range once converted to UTC") from None
        return value

    @model_validator(mode="after")
    def _outcome_fields(self) -> "FeedbackItem":
        if self.outcome == "overridden" and self.acceptedSuggestions:
            raise ValueError("acceptedSuggestions is only allowed with outcome 'accepted'")
        if self.outcome == "accepted" and self.overrideReason is not None:
            raise ValueError("overrideReason is only allowed with outcome 'overridden'")
        return self


class FeedbackRequest(Wire):
    feedback: list[FeedbackItem] = Field(min_length=1, max_length=1000)


class FeedbackReceipt(Reply):
    stored: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    """Entries already stored by an earlier request (or twice in this one)."""
    unknownCards: int = Field(ge=0)
    """Entries of the batch, stored or not, about a card this service has no record of."""


class CardCoding(Coding):
    # A Coding as the cards carry it: always with its system, never a null.
    model_config = ConfigDict(extra="forbid", frozen=True)

    system: str = Field(min_length=1, max_length=1024)
    display: str | SkipJsonSchema[None] = Field(None, min_length=1, max_length=1024)


class TopicCoding(CardCoding):
    code: Topic


class CardSource(Reply):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    icon: str | SkipJsonSchema[None] = Field(None, min_length=1)
    topic: TopicCoding


class Action(Reply):
    type: Literal["create", "update", "delete"]
    description: str = Field(min_length=1)
    resource: JSON | SkipJsonSchema[None] = Field(None, description="a FHIR resource")
    resourceId: str | SkipJsonSchema[None] = Field(
        None, min_length=1, description="delete: a relative reference, e.g. ServiceRequest/123"
    )


class Suggestion(Reply):
    label: str = Field(min_length=1)
    uuid: Uuid = Field(description="what feedback names in acceptedSuggestions")
    isRecommended: bool | SkipJsonSchema[None] = None
    actions: NonEmpty[Action] | SkipJsonSchema[None] = None


class Link(Reply):
    label: str = Field(min_length=1)
    url: str = Field(min_length=1)
    type: Literal["absolute", "smart"]
    appContext: str | SkipJsonSchema[None] = None


class Card(Reply):
    """A CDS Hooks 2.0 card as this service issues it (always with uuid, detail and topic)."""

    # Fields in the order they are sent.

    model_config = ConfigDict(
        extra="forbid",
        frozen=True,
        json_schema_extra={"dependentRequired": {"suggestions": ["selectionBehavior"]}},
    )

    uuid: Uuid = Field(description="what feedback names in `card`")
    summary: str = Field(min_length=1, max_length=140)
    indicator: Indicator
    detail: str = Field(min_length=1, description="markdown: the evidence and the mechanism")
    source: CardSource
    suggestions: NonEmpty[Suggestion] | SkipJsonSchema[None] = None
    selectionBehavior: Literal["at-most-one", "any"] | SkipJsonSchema[None] = None
    overrideReasons: NonEmpty[CardCoding] | SkipJsonSchema[None] = None
    links: NonEmpty[Link] | SkipJsonSchema[None] = None

    @model_validator(mode="after")
    def _selection_behavior_with_suggestions(self) -> "Card":
        if self.suggestions and self.selectionBehavior is None:
            raise ValueError("selectionBehavior is required with suggestions")
        return self
