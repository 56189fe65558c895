"""CDS Hooks 2.0 wire models: the request envelope, hook contexts, feedback.

Prefetch content is deliberately not modelled: it stays raw JSON until the clinical core
has chosen the few resources worth validating.
"""

from datetime import UTC, datetime
from typing import Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator

from cds.types import JSON


class Wire(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)


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


class PatientViewContext(Wire):
    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None


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


class OrderSelectContext(Wire):
    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None
    selections: list[str]
    draftOrders: DraftOrders


class OrderSignContext(Wire):
    userId: str = Field(min_length=1)
    patientId: str = Field(min_length=1)
    encounterId: str | None = None
    draftOrders: DraftOrders


HookContext = PatientViewContext | OrderSelectContext | OrderSignContext


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
