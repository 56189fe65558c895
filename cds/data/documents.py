"""A file's JSON as the engine's input, without server or network: a CDS Hooks request
carrying its prefetch (alone or as a scenario of fixtures/), or a FHIR Bundle of one patient's
record (read as patient-view)."""

from cds.api.body import validate
from cds.data.fhir_client import bundle_resources
from cds.data.prefetch import read_prefetched
from cds.exceptions import InvalidRequest
from cds.facts.record import PatientRecord
from cds.protocol import CdsRequest
from cds.services import PatientData, Service
from cds.types import JSON, Hook
from hooks import SERVICES

_KEYS_BY_TYPE = {
    "Patient": "patient",
    "Condition": "conditions",
    "Observation": "observations",
    "ServiceRequest": "serviceRequests",
    "MedicationRequest": "medications",
    "MedicationStatement": "medications",
}
_NO_LIMIT = 10**9


def service_for_hook(hook: str) -> Service:
    for service in SERVICES.values():
        if service.hook == hook:
            return service
    raise InvalidRequest(f"no service answers the hook {hook!r}", field="hook")


def _patient_id(data: PatientData) -> str:
    for patient in data.get("patient", []):
        if isinstance(patient.get("id"), str):
            return str(patient["id"])
    for condition in data.get("conditions", []):
        subject = condition.get("subject")
        reference = subject.get("reference") if isinstance(subject, dict) else None
        if isinstance(reference, str) and reference.startswith("Patient/"):
            return reference.removeprefix("Patient/")
    raise InvalidRequest("the Bundle names no patient (no Patient, no Condition.subject)")


def record_from_bundle(bundle: JSON) -> PatientRecord:
    data: PatientData = {key: [] for key in _KEYS_BY_TYPE.values()}
    for resource in bundle_resources(bundle):
        key = _KEYS_BY_TYPE.get(str(resource.get("resourceType")))
        if key is not None:
            data[key].append(resource)
    service = service_for_hook("patient-view")
    patient_id = _patient_id(data)
    context = validate(
        service.context_model, {"userId": "Practitioner/offline", "patientId": patient_id}
    )
    return service.build_record(context, data)


def record_from_request(request: JSON) -> tuple[Hook, PatientRecord]:
    envelope = validate(CdsRequest, request)
    service = service_for_hook(envelope.hook)
    context = validate(service.context_model, envelope.context, "context")
    prefetch = request.get("prefetch")
    if not isinstance(prefetch, dict):
        raise InvalidRequest("the request carries no prefetch (needed offline)", field="prefetch")
    data: PatientData = {}
    for key, value in prefetch.items():
        resources = read_prefetched(key, value, _NO_LIMIT)
        if resources is not None:
            data[key] = resources
    return service.hook, service.build_record(context, data)


def record_from_document(document: JSON) -> tuple[Hook, PatientRecord]:
    """Also reads a scenario of fixtures/, whose request sits under `request`."""
    if isinstance(document.get("request"), dict) and "hook" not in document:
        document = document["request"]
    if document.get("resourceType") == "Bundle":
        return "patient-view", record_from_bundle(document)
    if "hook" in document:
        return record_from_request(document)
    raise InvalidRequest("expected a CDS Hooks request or a FHIR Bundle")
