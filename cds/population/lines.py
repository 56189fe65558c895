"""One NDJSON line of an export: whose resource it is, or why it cannot be read.

Both engines key every line with `patient_of`, so they group and skip exactly the same lines.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

PATIENT_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
"""FHIR's id: the only ids accepted, so that an id is safe in a file and a message."""
PATIENT_REFERENCE = re.compile(r"Patient/([A-Za-z0-9\-.]{1,64})")


class MalformedLine(ValueError):
    """A line that is skipped; the message says why, without patient data."""


def parse(raw: bytes) -> dict[str, Any]:
    try:
        resource = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise MalformedLine(f"not valid JSON ({exc.msg})") from None
    if type(resource) is not dict:
        raise MalformedLine("not a JSON object")
    return resource


def patient_of(resource_type: str, resource: dict[str, Any]) -> str:
    """The patient's id: a Patient's own, else its `subject` reference's."""
    found = resource.get("resourceType")
    if found != resource_type:
        shown = found if type(found) is str and len(found) <= 64 else "no resourceType"
        raise MalformedLine(f"{shown} in a {resource_type} file")
    if resource_type == "Patient":
        rid = resource.get("id")
        if type(rid) is str and PATIENT_ID.fullmatch(rid):
            return rid
        raise MalformedLine("Patient without a valid id")
    subject = resource.get("subject")
    reference = subject.get("reference") if type(subject) is dict else None
    match = PATIENT_REFERENCE.fullmatch(reference) if type(reference) is str else None
    if match is None:
        raise MalformedLine(f"{resource_type} without a subject reference Patient/<id>")
    return match[1]


def read_line(resource_type: str, raw: bytes) -> tuple[str, dict[str, Any]]:
    """(patient id, resource), or MalformedLine."""
    resource = parse(raw)
    return patient_of(resource_type, resource), resource
