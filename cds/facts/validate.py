"""The one seam where raw FHIR JSON meets the fhir.resources R4B models."""

from __future__ import annotations

from typing import Any, TypeVar

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest
from pydantic import ValidationError

Model = TypeVar("Model", Condition, Observation, ServiceRequest)


class InvalidResource(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def validate(model: type[Model], raw: dict[str, Any]) -> Model:
    """Validate one resource; raise InvalidResource with a reason free of patient data."""
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        raise InvalidResource(_describe(exc)) from exc
    except (ValueError, TypeError, RecursionError, AttributeError, KeyError) as exc:
        raise InvalidResource(f"invalid {model.__name__}: {type(exc).__name__}") from exc


def _describe(exc: ValidationError) -> str:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = []
    for err in errors[:3]:
        loc = ".".join(str(p) for p in err.get("loc", ()))[:80]
        parts.append(f"{loc}: {err.get('type', 'invalid')}")
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "validation failed: " + "; ".join(parts) + more
