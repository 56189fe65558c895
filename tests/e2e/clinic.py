"""The clinical side of the end-to-end tests: scenario requests, new evidence, feedback bodies."""

import copy
import json
from datetime import timedelta
from typing import Any

import httpx

from cds.data.scenarios import FIXTURES_DIR, FIXTURES_NOW

PV = "/cds-services/spinal-origin-patient-view"
ORDER_SELECT = "/cds-services/spinal-origin-order-select"
PROJECT_REASONS = "https://spinal-origin-cds.example.org/CodeSystem/override-reason"
PHYSIOTHERAPY_REFERRAL = "308447003"

Json = dict[str, Any]


def scenario_request(name: str) -> Json:
    request: Json = json.loads((FIXTURES_DIR / f"{name}.json").read_text())["request"]
    return request


RADICULAR = scenario_request("radicular-right-knee")
"""One spinal-origin warning card (right knee, lumbar roots) with a physiotherapy suggestion."""
CAUDA_EQUINA = scenario_request("red-flag-cauda-equina-coded")
"""A critical red-flag card, the only card."""
LUMBAR_MRI = scenario_request("imaging-order-select-lumbar-mri-new-low-back-pain")
"""order-select: an imaging-appropriateness card offering to replace the MRI with physiotherapy."""


def with_condition(request: Json, code: str, display: str, onset: str = "2026-05-20") -> Json:
    """`request` with one more active, confirmed ICD-10-CM Condition of its patient."""
    changed = copy.deepcopy(request)
    patient = changed["context"]["patientId"]
    entries = changed["prefetch"]["conditions"]["entry"]
    condition = copy.deepcopy(entries[0]["resource"])
    condition.pop("bodySite", None)
    condition.update(
        id=f"cond-e2e-{code}",
        code={"coding": [{"system": "http://hl7.org/fhir/sid/icd-10-cm", "code": code}]},
        subject={"reference": f"Patient/{patient}"},
        onsetDateTime=onset,
        recordedDate=onset,
    )
    condition["code"]["coding"][0]["display"] = display
    entries.append({"resource": condition})
    changed["prefetch"]["conditions"]["total"] = len(entries)
    return changed


def with_new_radiculopathy(request: Json) -> Json:
    """New evidence for the same card (same topic, joint and side): a coded lumbar radiculopathy."""
    return with_condition(request, "M54.16", "Radiculopathy, lumbar region")


def with_cauda_equina(request: Json) -> Json:
    """A red flag: cauda equina syndrome coded yesterday."""
    return with_condition(request, "G83.4", "Cauda equina syndrome", onset="2026-05-31")


def topic(card: Json) -> str:
    code: str = card["source"]["topic"]["code"]
    return code


def one_card(cards: list[Json], of_topic: str) -> Json:
    found = [card for card in cards if topic(card) == of_topic]
    assert len(found) == 1, f"expected one {of_topic} card: {[topic(c) for c in cards]}"
    return found[0]


def physiotherapy(card: Json) -> list[Json]:
    """The card's suggestions that create a physiotherapy referral."""
    return [
        suggestion
        for suggestion in card.get("suggestions", [])
        for action in suggestion.get("actions", [])
        if any(
            coding.get("code") == PHYSIOTHERAPY_REFERRAL
            for coding in action.get("resource", {}).get("code", {}).get("coding", [])
        )
    ]


def reason(card: Json, code: str = "already-assessed") -> Json:
    """One of the card's own override reasons, from the project CodeSystem."""
    coding: Json = next(r for r in card["overrideReasons"] if r["code"] == code)
    assert coding["system"] == PROJECT_REASONS
    return coding


def overridden(
    card: Json | str, code: str = "already-assessed", minute: int = 5, display: bool = True
) -> Json:
    """Overridden for the card's reason `code`: system and code only for a card uuid, or when
    `display` is False (as some EHRs send it)."""
    uuid = card if isinstance(card, str) else card["uuid"]
    bare = isinstance(card, str) or not display
    coding = {"system": PROJECT_REASONS, "code": code} if bare else reason(card, code)
    return {
        "card": uuid,
        "outcome": "overridden",
        "overrideReason": {"reason": coding},
        "outcomeTimestamp": stamp(minute),
    }


def accepted(card: Json, *suggestions: Json, minute: int = 5) -> Json:
    return {
        "card": card["uuid"],
        "outcome": "accepted",
        "acceptedSuggestions": [{"id": s["uuid"]} for s in suggestions],
        "outcomeTimestamp": stamp(minute),
    }


def stamp(minute: int) -> str:
    """An outcome timestamp `minute` minutes into the hour before the fixtures' clock (the
    service refuses feedback dated ahead of its clock)."""
    moment = FIXTURES_NOW - timedelta(hours=1) + timedelta(minutes=minute)
    return moment.isoformat().replace("+00:00", "Z")


def call(client: httpx.Client, request: Json, service: str = PV) -> list[Json]:
    response = client.post(service, json=request)
    assert response.status_code == 200, response.text
    cards: list[Json] = response.json()["cards"]
    return cards


def post_feedback(client: httpx.Client, *items: Json, service: str = PV) -> Json:
    response = client.post(f"{service}/feedback", json={"feedback": list(items)})
    assert response.status_code == 200, response.text
    receipt: Json = response.json()
    return receipt
