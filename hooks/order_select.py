"""order-select: a joint imaging or orthopaedic order is being drafted."""

from cds.facts.record import PatientRecord
from cds.protocol import OrderSelectContext
from cds.services import USAGE_REQUIREMENTS, PatientData, Service, record_from_data


def build_record(context: OrderSelectContext, data: PatientData) -> PatientRecord:
    return record_from_data(
        context.patientId,
        data,
        draft_orders=context.draftOrders.resources(),
        selections=tuple(context.selections),
    )


SERVICE = Service(
    id="spinal-origin-order-select",
    hook="order-select",
    title="Spinal origin before joint imaging",
    description=(
        "While a joint X-ray, MRI, CT, ultrasound or orthopaedic referral is drafted: if the "
        "joint's pain may come from the spine, suggests assessing the spine and physiotherapy. "
        "A lumbar spine X-ray, MRI or CT for low back pain or sciatica without a red flag: "
        "imaging is not routinely needed (NICE NG59)."
    ),
    usage_requirements=USAGE_REQUIREMENTS,
    context_model=OrderSelectContext,
    build_record=build_record,
)
