"""Small CDS Hooks requests for protocol tests (clinical scenarios live in fixtures/)."""

import copy
import uuid
from typing import Any

PATIENT_ID = "pat-radicular"


def _condition(cid: str, code: str, display: str, onset: str) -> dict[str, Any]:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-clinical",
                    "code": "active",
                }
            ]
        },
        "verificationStatus": {
            "coding": [
                {
                    "system": "http://terminology.hl7.org/CodeSystem/condition-ver-status",
                    "code": "confirmed",
                }
            ]
        },
        "code": {
            "coding": [
                {"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code, "display": display}
            ]
        },
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "onsetDateTime": onset,
    }


PATIENT = {
    "resourceType": "Patient",
    "id": PATIENT_ID,
    "name": [{"family": "Okonkwo-Lindqvist", "given": ["Adaeze"]}],
    "birthDate": "1978-03-14",
    "gender": "female",
}
CONDITIONS = [
    _condition("c-radic", "M54.16", "Radiculopathy, lumbar region", "2025-11-01"),
    _condition("c-knee", "M25.561", "Pain in right knee", "2026-05-10"),
]


def searchset(resources: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {"fullUrl": f"urn:uuid:{uuid.uuid4()}", "resource": r, "search": {"mode": "match"}}
            for r in resources
        ],
    }


def prefetch() -> dict[str, Any]:
    return {
        "patient": copy.deepcopy(PATIENT),
        "conditions": searchset(copy.deepcopy(CONDITIONS)),
        "observations": searchset([]),
        "serviceRequests": searchset([]),
    }


def patient_view(**overrides: Any) -> dict[str, Any]:
    request: dict[str, Any] = {
        "hookInstance": str(uuid.uuid4()),
        "hook": "patient-view",
        "context": {"userId": "Practitioner/example", "patientId": PATIENT_ID},
        "prefetch": prefetch(),
    }
    request.update(overrides)
    return request


def knee_xray(status: str = "draft") -> dict[str, Any]:
    return {
        "resourceType": "ServiceRequest",
        "id": "sr-knee-xray",
        "status": status,
        "intent": "order",
        "category": [
            {
                "coding": [
                    {"system": "http://snomed.info/sct", "code": "363679005", "display": "Imaging"}
                ]
            }
        ],
        "code": {"text": "X-ray right knee"},
        "bodySite": [
            {
                "coding": [{"system": "http://snomed.info/sct", "code": "49076000"}],
                "text": "right knee",
            }
        ],
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
    }


def order_request(hook: str, **overrides: Any) -> dict[str, Any]:
    context: dict[str, Any] = {
        "userId": "Practitioner/example",
        "patientId": PATIENT_ID,
        "draftOrders": {"resourceType": "Bundle", "entry": [{"resource": knee_xray()}]},
    }
    if hook == "order-select":
        context["selections"] = ["ServiceRequest/sr-knee-xray"]
    request = patient_view(hook=hook, context=context)
    request.update(overrides)
    return request
