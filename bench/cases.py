"""Request bodies for the benchmark cases, built from the radicular right-knee scenario.

The scenario's own resources (from `fixtures/radicular-right-knee.json` when it exists, else an
equivalent built here) are the *relevant* ones: the engine has to read and validate them. The
rest is padding the engine must skip cheaply: unrelated Conditions and vital-sign Observations.
"""

import copy
import itertools
from pathlib import Path
from typing import Any

import orjson

from cds.data.scenarios import FIXTURES_DIR, read_scenario
from cds.services import KEYS_BY_TYPE, PREFETCH_TYPES

Resource = dict[str, Any]

REPO = Path(__file__).resolve().parent.parent
FIXTURE = FIXTURES_DIR / "radicular-right-knee.json"

PATIENT_ID = "bench-radicular"
HOOK_INSTANCE_MARKER = "bench-hook-instance-marker"
"""Stands in for `hookInstance`; the load generators give every request its own."""

SNOMED = "http://snomed.info/sct"
LOINC = "http://loinc.org"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"


def _coding(system: str, code: str, display: str) -> Resource:
    return {"system": system, "code": code, "display": display}


def condition(cid: str, system: str, code: str, display: str, onset: str) -> Resource:
    return {
        "resourceType": "Condition",
        "id": cid,
        "clinicalStatus": {"coding": [{"system": CLINICAL, "code": "active"}]},
        "verificationStatus": {"coding": [{"system": VERIFICATION, "code": "confirmed"}]},
        "category": [
            {
                "coding": [
                    {
                        "system": "http://terminology.hl7.org/CodeSystem/condition-category",
                        "code": "problem-list-item",
                    }
                ]
            }
        ],
        "code": {"coding": [_coding(system, code, display)], "text": display},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "onsetDateTime": onset,
        "recordedDate": onset,
    }


def _observation(oid: str, category: str, coding: Resource, when: str, **value: Any) -> Resource:
    return {
        "resourceType": "Observation",
        "id": oid,
        "status": "final",
        "category": [{"coding": [{"system": OBSERVATION_CATEGORY, "code": category}]}],
        "code": {"coding": [coding], "text": coding["display"]},
        "subject": {"reference": f"Patient/{PATIENT_ID}"},
        "effectiveDateTime": when,
        **value,
    }


def _built_scenario() -> list[Resource]:
    """The radicular scenario, for as long as the fixture does not exist."""
    patient = {
        "resourceType": "Patient",
        "id": PATIENT_ID,
        "name": [{"family": "Lindqvist", "given": ["Ada"]}],
        "gender": "female",
        "birthDate": "1978-03-14",
    }
    return [
        patient,
        condition("c-radic", ICD10CM, "M54.16", "Radiculopathy, lumbar region", "2025-11-01"),
        condition("c-knee", ICD10CM, "M25.561", "Pain in right knee", "2026-05-10"),
        _observation(
            "o-numb",
            "exam",
            _coding(SNOMED, "44077006", "Numbness"),
            "2026-05-10",
            valueBoolean=True,
        ),
    ]


def _fixture_scenario() -> tuple[list[Resource], str] | None:
    if not FIXTURE.is_file():
        return None
    found = read_scenario(FIXTURE)
    return [r for key in PREFETCH_TYPES for r in found.resources(key)], found.patient_id


def scenario() -> tuple[list[Resource], str]:
    """The relevant resources and the patient id; says where they came from in `SOURCE`."""
    found = _fixture_scenario()
    return found if found is not None else (_built_scenario(), PATIENT_ID)


SOURCE = (
    f"fixture {FIXTURE.relative_to(REPO)}"
    if FIXTURE.is_file()
    else "built-in radicular scenario (fixture absent)"
)


def _padding(index: int, patient_id: str) -> Resource:
    """Unrelated record: hypertension, diabetes, heart rate, blood pressure, in turn."""
    pid = f"pad-{index}"
    kind = index % 4
    if kind == 0:
        res = condition(pid, SNOMED, "38341003", "Hypertensive disorder", "2019-04-02")
    elif kind == 1:
        res = condition(pid, SNOMED, "44054006", "Diabetes mellitus type 2", "2021-09-15")
    elif kind == 2:
        res = _observation(
            pid,
            "vital-signs",
            _coding(LOINC, "8867-4", "Heart rate"),
            f"2026-0{1 + index % 5}-{10 + index % 18:02d}T08:30:00Z",
            valueQuantity={
                "value": 60 + index % 30,
                "unit": "/min",
                "system": "http://unitsofmeasure.org",
                "code": "/min",
            },
        )
    else:
        res = _observation(
            pid,
            "vital-signs",
            _coding(LOINC, "85354-9", "Blood pressure panel"),
            f"2026-0{1 + index % 5}-{10 + index % 18:02d}T08:30:00Z",
            component=[
                _bp_component("8480-6", "Systolic blood pressure", 120 + index % 25),
                _bp_component("8462-4", "Diastolic blood pressure", 75 + index % 15),
            ],
        )
    res["subject"] = {"reference": f"Patient/{patient_id}"}
    return res


def _bp_component(code: str, display: str, value: int) -> Resource:
    return {
        "code": {"coding": [_coding(LOINC, code, display)]},
        "valueQuantity": {
            "value": value,
            "unit": "mm[Hg]",
            "system": "http://unitsofmeasure.org",
            "code": "mm[Hg]",
        },
    }


UNRELATED_CODES = frozenset(
    {"38341003", "44054006", "E11.9", "I10", "8867-4", "85354-9", "8480-6", "8462-4"}
)
"""Hypertension, diabetes and vital signs: what a fixture holds besides its scenario."""


def is_relevant(resource: Resource) -> bool:
    codings = (resource.get("code") or {}).get("coding") or []
    return not any(c.get("code") in UNRELATED_CODES for c in codings)


def record(total: int, relevant: int) -> list[Resource]:
    """`total` resources: the scenario's relevant ones, repeated under new ids up to `relevant`
    (the Patient once), then the scenario's unrelated ones, then padding."""
    core, patient_id = scenario()
    resources = [copy.deepcopy(r) for r in core if is_relevant(r)]
    repeatable = [r for r in resources if r["resourceType"] != "Patient"]
    for n in itertools.count(1):
        if len(resources) >= relevant:
            break
        copied = copy.deepcopy(repeatable[(n - 1) % len(repeatable)])
        copied["id"] = f"{copied['id']}-r{n}"
        resources.append(copied)
    resources += [copy.deepcopy(r) for r in core if not is_relevant(r)]
    resources.extend(_padding(i, patient_id) for i in range(max(0, total - len(resources))))
    return resources


def searchset(resources: list[Resource]) -> Resource:
    return {
        "resourceType": "Bundle",
        "type": "searchset",
        "total": len(resources),
        "entry": [
            {
                "fullUrl": f"urn:uuid:00000000-0000-4000-8000-{i:012d}",
                "resource": r,
                "search": {"mode": "match"},
            }
            for i, r in enumerate(resources)
        ],
    }


def prefetch(resources: list[Resource]) -> Resource:
    """The four prefetch keys the service asks for, filled from `resources`."""
    by_key: dict[str, list[Resource]] = {key: [] for key in PREFETCH_TYPES}
    for resource in resources:
        key = KEYS_BY_TYPE.get(resource["resourceType"])
        if key is not None:
            by_key[key].append(resource)
    patients = by_key.pop("patient")
    out: Resource = {"patient": patients[0] if patients else None}
    out.update({key: searchset(found) for key, found in by_key.items()})
    return out


def _envelope(hook: str, context: Resource) -> Resource:
    return {
        "hook": hook,
        "hookInstance": HOOK_INSTANCE_MARKER,
        "context": {"userId": "Practitioner/bench", **context},
    }


def patient_view(total: int, relevant: int) -> Resource:
    resources = record(total, relevant)
    _, patient_id = scenario()
    request = _envelope("patient-view", {"patientId": patient_id})
    request["prefetch"] = prefetch(resources)
    return request


TEXTS = (
    "Low back pain radiating down the left leg since lifting a box",
    "Left knee pain, worse on bending",
    "Pins and needles in the left foot",
    "No saddle numbness. No urinary retention. Bowels normal.",
    "Denies fever, night sweats or weight loss",
    "History of hypertension, well controlled",
    "Previous right shoulder pain, resolved",
    "Family history of bowel cancer (father)",
    "Advised to attend ED if saddle numbness or difficulty passing urine develops",
    "Straight leg raise positive on the left at 40 degrees",
    "Antalgic gait, limping on the left",
    "Works as a delivery driver, long hours sitting",
    "Ibuprofen helps a little; no relief with paracetamol",
    "Sleep disturbed by pain, no night pain at rest",
    "Type 2 diabetes, diet controlled",
    "Reflexes: ankle jerks present and equal",
    "Mild anxiety about work",
    "No history of cancer",
    "Physiotherapy two years ago for neck pain",
    "Smoker, 10 a day",
)
"""A GP record kept as free text: problem-list entries with no code at all."""


def patient_view_text() -> Resource:
    """The scenario's patient with 20 text-only Conditions. Each text ends with the hookInstance
    marker: single calls (which replace every marker) send new texts each time, wrk (which
    replaces the first, the hookInstance) the same texts."""
    core, patient_id = scenario()
    resources = [copy.deepcopy(r) for r in core if r["resourceType"] == "Patient"]
    for n, text in enumerate(TEXTS):
        entry = condition(f"text-{n}", SNOMED, "-", text, f"2026-0{1 + n % 5}-1{n % 10}")
        entry["code"] = {"text": f"{text} (entry {HOOK_INSTANCE_MARKER})"}
        entry["subject"] = {"reference": f"Patient/{patient_id}"}
        resources.append(entry)
    request = _envelope("patient-view", {"patientId": patient_id})
    request["prefetch"] = prefetch(resources)
    return request


def service_request(
    oid: str, category: Resource, code: Resource, site: Resource | None
) -> Resource:
    _, patient_id = scenario()
    order: Resource = {
        "resourceType": "ServiceRequest",
        "id": oid,
        "status": "draft",
        "intent": "order",
        "category": [{"coding": [category]}],
        "code": code,
        "subject": {"reference": f"Patient/{patient_id}"},
        "authoredOn": "2026-06-01",
    }
    if site is not None:
        order["bodySite"] = [site]
    return order


def draft_orders() -> list[Resource]:
    """Five drafts: the knee X-ray the cards are about, a chest X-ray and three lab orders."""
    imaging = _coding(SNOMED, "363679005", "Imaging")
    lab = _coding(SNOMED, "108252007", "Laboratory procedure")
    knee = {"coding": [_coding(SNOMED, "49076000", "Knee region structure")], "text": "right knee"}
    chest = {"coding": [_coding(SNOMED, "51185008", "Thoracic structure")], "text": "chest"}
    return [
        service_request("sr-knee-xray", imaging, {"text": "X-ray right knee"}, knee),
        service_request("sr-chest-xray", imaging, {"text": "X-ray chest"}, chest),
        service_request("sr-cbc", lab, {"coding": [_coding(LOINC, "58410-2", "CBC panel")]}, None),
        service_request("sr-a1c", lab, {"coding": [_coding(LOINC, "4548-4", "HbA1c")]}, None),
        service_request(
            "sr-lipids", lab, {"coding": [_coding(LOINC, "57698-3", "Lipid panel")]}, None
        ),
    ]


def order_sign() -> Resource:
    core, patient_id = scenario()
    request = _envelope(
        "order-sign",
        {
            "patientId": patient_id,
            "draftOrders": {
                "resourceType": "Bundle",
                "type": "collection",
                "entry": [{"resource": order} for order in draft_orders()],
            },
        },
    )
    request["prefetch"] = prefetch(copy.deepcopy(core))
    return request


def fetch_path(fhir_server: str) -> Resource:
    """No prefetch: the service must query `fhir_server` for all four keys."""
    _, patient_id = scenario()
    request = _envelope("patient-view", {"patientId": patient_id})
    request["fhirServer"] = fhir_server
    request["fhirAuthorization"] = {
        "access_token": "bench-token",
        "token_type": "Bearer",
        "expires_in": 300,
        "scope": "patient/*.read",
        "subject": "cds-bench",
    }
    return request


def fhir_bundle(total: int, relevant: int) -> Resource:
    """A FHIR collection Bundle of one patient's record, for `cds evaluate`."""
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [
            {"fullUrl": f"urn:uuid:00000000-0000-4000-9000-{i:012d}", "resource": r}
            for i, r in enumerate(record(total, relevant))
        ],
    }


def body(request: Resource) -> bytes:
    return orjson.dumps(request)
