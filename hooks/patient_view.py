"""patient-view: a clinician opens the chart."""

from cds.facts.record import PatientRecord
from cds.protocol import PatientViewContext
from cds.services import USAGE_REQUIREMENTS, PatientData, Service, record_from_data


def build_record(context: PatientViewContext, data: PatientData) -> PatientRecord:
    return record_from_data(context.patientId, data)


SERVICE = Service(
    id="spinal-origin-patient-view",
    hook="patient-view",
    title="Joint pain of spinal origin",
    description=(
        "On opening the chart: could this patient's hip, knee, shoulder or foot complaint come "
        "from the spine? Suggests a spinal assessment and physiotherapy; escalates red flags."
    ),
    usage_requirements=USAGE_REQUIREMENTS,
    context_model=PatientViewContext,
    build_record=build_record,
)
