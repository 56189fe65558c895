"""What `/openapi.json` says about each route: bodies, answers and errors as served.

The endpoints take a raw `Request` (one bounded read, one JSON parse), so FastAPI cannot infer
their contract. This module states it: request bodies from the wire models in `cds.protocol`,
cards and feedback receipts from the models the service answers with (`cds.protocol`), the rest
from the documentation-only models below, and the error body per status code with the
`error` codes of the `cds.exceptions` raised there. Nothing here runs on a request.
"""

import copy
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic.json_schema import SkipJsonSchema
from starlette.responses import PlainTextResponse

from cds import exceptions
from cds.protocol import Card, CdsRequest, FeedbackReceipt, FeedbackRequest
from cds.types import JSON, Hook
from hooks import SERVICES

__all__ = ["route_docs"]


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """CDS Hooks objects that may carry extensions."""

    model_config = ConfigDict(extra="allow")


class Cards(_Open):
    cards: list[Card] = Field(description="empty when nothing applies")


class ServiceDescription(_Open):
    hook: Hook
    id: str = Field(min_length=1)
    title: str = Field(min_length=1)
    description: str = Field(min_length=1)
    usageRequirements: str | SkipJsonSchema[None] = None
    prefetch: dict[str, str] = Field(description="prefetch key → FHIR query template")


class Discovery(_Open):
    services: list[ServiceDescription]


class Health(_Doc):
    status: Literal["ok"]


class Ready(_Doc):
    status: Literal["ready"]
    store: Literal["ok"]
    security: str


class Unready(_Doc):
    status: Literal["unready"]
    store: Literal["unreachable"]
    security: str


class ErrorBody(_Doc):
    error: str = Field(description="a stable, machine-readable error code")
    message: str = Field(min_length=1, description="what is wrong, for a human")
    field: str | SkipJsonSchema[None] = Field(
        None, min_length=1, description="the offending field, dotted from the body's root"
    )


def _errors_by_status() -> dict[int, list[str]]:
    codes: dict[int, list[str]] = {404: ["not-found"]}  # unrouted paths (cds.api.app._http_error)
    pending: list[type[exceptions.CdsError]] = [exceptions.CdsError]
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls is not exceptions.CdsError:
            codes.setdefault(cls.status_code, []).append(cls.error)
    return {status: sorted(set(errors)) for status, errors in codes.items()}


_DESCRIPTIONS = {
    400: "the body breaks CDS Hooks 2.0 or the hook definition",
    401: "missing or invalid CDS client JWT (when trusted issuers are configured)",
    404: "no CDS service with this id",
    412: "data the engine needs could be neither prefetched nor fetched in time",
    413: "the body, or the resources under a prefetch key (prefetched or fetched), over a limit",
    415: "the body is not application/json",
    503: "the store cannot be reached",
}


def _inline(schema: Any, defs: dict[str, Any]) -> Any:
    """Pydantic's `$defs` references replaced by their targets (the models are not recursive)."""
    if isinstance(schema, dict):
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            return _inline(defs[ref.removeprefix("#/$defs/")], defs)
        return {k: _inline(v, defs) for k, v in schema.items() if k != "$defs"}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def _schema(model: type[BaseModel]) -> dict[str, Any]:
    raw = model.model_json_schema(mode="validation")
    inlined: dict[str, Any] = _inline(raw, raw.get("$defs", {}))
    return inlined


def _json(schema: dict[str, Any]) -> dict[str, Any]:
    return {"application/json": {"schema": schema}}


def _errors(*statuses: int) -> dict[int | str, dict[str, Any]]:
    by_status = _errors_by_status()
    body = _schema(ErrorBody)
    responses: dict[int | str, dict[str, Any]] = {}
    for status in statuses:
        schema = {
            **body,
            "properties": {**body["properties"], "error": {"enum": by_status[status]}},
        }
        response: dict[str, Any] = {"description": _DESCRIPTIONS[status], "content": _json(schema)}
        if status == 401:
            response["headers"] = {
                "WWW-Authenticate": {"required": True, "schema": {"type": "string"}}
            }
        responses[status] = response
    return responses


def _service_id() -> dict[str, Any]:
    return {
        "name": "service_id",
        "in": "path",
        "required": True,
        "description": "one of the services listed by discovery; any other id is a 404",
        "schema": {"anyOf": [{"enum": sorted(SERVICES)}, {"type": "string", "minLength": 1}]},
        "example": "spinal-origin-patient-view",
    }


_CALL_EXAMPLE: JSON = {
    "hook": "patient-view",
    "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
    "context": {"userId": "Practitioner/example", "patientId": "example"},
    "prefetch": {
        "patient": {"resourceType": "Patient", "id": "example"},
        "conditions": {
            "resourceType": "Bundle",
            "type": "searchset",
            "entry": [
                {
                    "resource": {
                        "resourceType": "Condition",
                        "id": code,
                        "clinicalStatus": {
                            "coding": [
                                {
                                    "system": "http://terminology.hl7.org/CodeSystem/"
                                    "condition-clinical",
                                    "code": "active",
                                }
                            ]
                        },
                        "code": {
                            "coding": [
                                {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}
                            ]
                        },
                        "subject": {"reference": "Patient/example"},
                        "onsetDateTime": onset,
                    }
                }
                for code, onset in (("M54.16", "2025-11-01"), ("M25.561", "2026-05-10"))
            ],
        },
        "observations": None,
        "serviceRequests": None,
    },
}

FEEDBACK_EXAMPLE: JSON = {
    "feedback": [
        {
            "card": "0b2d4f34-6c1e-4d55-9d7c-1f0e6f2a7c11",
            "outcome": "overridden",
            "overrideReason": {
                "reason": {
                    "system": "https://spinal-origin-cds.example.org/CodeSystem/override-reason",
                    "code": "already-assessed",
                },
                "userComment": "seen by the spinal team",
            },
            "outcomeTimestamp": "2026-06-01T09:05:00Z",
        },
        {
            "card": "5d1e2f3a-0000-4000-8000-000000000001",
            "outcome": "accepted",
            "acceptedSuggestions": [{"id": "93711397-ca72-4822-9b73-f9771f44f246"}],
            "outcomeTimestamp": "2026-06-01T09:06:00+02:00",
        },
    ]
}
"""An override with its reason and an acceptance: the documentation's example, and the fuzz
tests' starting point."""


def _call_body() -> dict[str, Any]:
    schema = _schema(CdsRequest)
    schema["properties"]["prefetch"] = {
        "description": "prefetch key → FHIR resource (often a searchset Bundle), or null for "
        "no data; a key left out is fetched from fhirServer",
        "type": ["object", "null"],
        "additionalProperties": {
            "anyOf": [
                {"type": "object", "required": ["resourceType"]},
                {"type": "null"},
            ]
        },
    }
    schema["properties"]["context"]["description"] = "the hook's context (checked per hook)"
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _example(body: dict[str, Any], example: JSON) -> dict[str, Any]:
    body["content"]["application/json"]["example"] = copy.deepcopy(example)
    return body


def _ok(model: type[BaseModel], description: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"model": model, "description": description}}


def route_docs() -> dict[str, dict[str, Any]]:
    """Keyword arguments for `add_api_route`, by path: `responses`, `openapi_extra`, ..."""
    return {
        "/cds-services": {
            "summary": "Discovery: the CDS services and their prefetch templates",
            "responses": {**_ok(Discovery, "the services offered"), **_errors(401)},
        },
        "/cds-services/{service_id}": {
            "summary": "Call a CDS service: cards for the hook's context",
            "responses": {
                **_ok(Cards, 'the cards; `{"cards": []}` when nothing applies'),
                **_errors(400, 401, 404, 412, 413, 415),
            },
            "openapi_extra": {
                "parameters": [_service_id()],
                "requestBody": _example(_call_body(), _CALL_EXAMPLE),
            },
        },
        "/cds-services/{service_id}/feedback": {
            "summary": "Feedback on cards: accepted or overridden",
            "responses": {
                **_ok(FeedbackReceipt, "entries stored, already stored, about unknown cards"),
                **_errors(400, 401, 404, 413, 415, 503),
            },
            "openapi_extra": {
                "parameters": [_service_id()],
                "requestBody": _example(
                    {"required": True, "content": _json(_schema(FeedbackRequest))},
                    FEEDBACK_EXAMPLE,
                ),
            },
        },
        "/healthz": {"summary": "Liveness", "responses": _ok(Health, "the process is up")},
        "/readyz": {
            "summary": "Readiness: the store is reachable",
            "responses": {
                **_ok(Ready, "the store answers; `security` says whether JWTs are required"),
                503: {"model": Unready, "description": "the store cannot be reached"},
            },
        },
        "/metrics": {
            "summary": "Prometheus metrics",
            "response_class": PlainTextResponse,
        },
    }
