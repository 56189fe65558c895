"""The offline CLI's file reader raises its own error, never one of the HTTP service's."""

import pytest

from cds.data.documents import record_from_document
from cds.exceptions import CdsError, InvalidDocument
from tests.support import requests as req


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"hook": "patient-view", "context": {}}, "hookInstance"),
        ({**req.patient_view(), "context": {"userId": "Practitioner/1"}}, "context.patientId"),
        ({**req.patient_view(), "prefetch": None}, "prefetch"),
        ({**req.patient_view(), "prefetch": {"conditions": [1]}}, "prefetch.conditions"),
        ({**req.patient_view(), "hook": "encounter-start"}, "hook"),
        ({"resourceType": "Bundle", "entry": []}, None),
        ({"resourceType": "Patient"}, None),
    ],
)
def test_a_file_that_cannot_be_evaluated_is_an_invalid_document(
    document: dict[str, object], field: str | None
) -> None:
    with pytest.raises(InvalidDocument) as raised:
        record_from_document(document)

    assert raised.value.field == field
    assert not isinstance(raised.value, CdsError)  # no HTTP status to carry


def test_a_request_with_its_prefetch_is_read() -> None:
    hook, record = record_from_document(req.patient_view())

    assert hook == "patient-view"
    assert record.conditions
