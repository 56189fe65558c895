"""One patient of an export evaluated as a patient-view call would be, through the same core."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from cds.evaluation import evaluate
from cds.population.as_prefetched import as_prefetched
from cds.population.lines import parse
from cds.population.result import PatientResult, patient_result
from cds.protocol import PatientViewContext
from hooks.patient_view import SERVICE

USER = "Practitioner/population"


def _no_uuid() -> str:
    """Card uuids are not kept, so none is drawn."""
    return "population"


def evaluate_patient(
    patient_id: str, lines: Iterable[tuple[str, bytes]], now: datetime
) -> PatientResult:
    """`lines`: (resource type, NDJSON line) pairs, each already accepted by `read_line`.

    They are sorted first, so that the result does not depend on the order the export (or an
    engine's grouping) delivered them in.
    """
    resources = [(resource_type, parse(raw)) for resource_type, raw in sorted(lines)]
    context = PatientViewContext(userId=USER, patientId=patient_id)
    record = SERVICE.build_record(context, as_prefetched(resources))
    return patient_result(patient_id, evaluate(record, SERVICE.hook, now, _no_uuid))
