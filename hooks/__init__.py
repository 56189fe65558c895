"""One module per CDS hook; `SERVICES` is what discovery lists, by service id."""

from cds.protocol import HookContext
from cds.services import Service
from hooks import order_select, order_sign, patient_view

SERVICES: dict[str, Service[HookContext]] = {
    service.id: service
    for service in (patient_view.SERVICE, order_select.SERVICE, order_sign.SERVICE)
}
