"""order-sign: the clinician signs the draft orders."""

from cds.facts.record import PatientRecord
from cds.protocol import OrderSignContext
from cds.services import USAGE_REQUIREMENTS, PatientData, Service, record_from_data


def build_record(context: OrderSignContext, data: PatientData) -> PatientRecord:
    return record_from_data(context.patientId, data, draft_orders=context.draftOrders.resources())


SERVICE = Service(
    id="spinal-origin-order-sign",
    hook="order-sign",
    title="Spinal origin at signing",
    description=(
        "When orders are signed: checks every draft joint imaging or orthopaedic order for a "
        "joint whose pain may come from the spine, every lumbar spine X-ray, MRI or CT for low "
        "back pain or sciatica (NICE NG59), and escalates red flags."
    ),
    usage_requirements=USAGE_REQUIREMENTS,
    context_model=OrderSignContext,
    build_record=build_record,
)
