"""Element-level reads (`cds.facts.fhir.validate`) against fhir.resources' whole-model validation.

The oracle: whenever the whole model accepts a resource of its type, the read accepts it too and
every read element equals the model's attribute; damage confined to the read elements is
rejected by both or by neither. Damage to an element the engine does not read is no longer
noticed: that is intended, and tested last.
"""

from __future__ import annotations

import copy
import math
from datetime import date
from typing import Any

import pytest
from fhir.resources.R4B.codeableconcept import CodeableConcept
from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cds.facts.fhir.codeable import codeable_of
from cds.facts.fhir.resources import ConditionRead, ObservationRead, ServiceRequestRead
from cds.facts.fhir.validate import (
    CONDITION,
    OBSERVATION,
    SERVICE_REQUEST,
    InvalidResource,
    Reader,
)
from tests.support.damage import damage, json_values
from tests.support.records import CM, SCT, condition, facts_of, observation
from tests.support.scenarios import scenario_resources

Model = Condition | Observation | ServiceRequest
Read = ConditionRead | ObservationRead | ServiceRequestRead
MODELS: dict[str, type[Model]] = {
    "Condition": Condition,
    "Observation": Observation,
    "ServiceRequest": ServiceRequest,
}
READS: dict[str, type[Read]] = {
    "Condition": ConditionRead,
    "Observation": ObservationRead,
    "ServiceRequest": ServiceRequestRead,
}
READERS: dict[str, Reader[Any]] = {
    "Condition": CONDITION,
    "Observation": OBSERVATION,
    "ServiceRequest": SERVICE_REQUEST,
}
CHECKS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=300)


RESOURCES = scenario_resources()


def _whole(raw: dict[str, Any], rtype: str | None = None) -> Model | None:
    try:
        return MODELS[rtype or raw["resourceType"]].model_validate(raw)
    except (ValueError, TypeError, RecursionError, AttributeError, KeyError):
        return None


def _read(raw: dict[str, Any], rtype: str | None = None) -> Read | None:
    reader = READERS[rtype or raw["resourceType"]]
    try:
        return reader.read(raw)
    except InvalidResource:
        return None


def _as_read(value: Any) -> Any:
    """A model attribute as the read holds it: CodeableConcepts as `Codeable`."""
    if isinstance(value, CodeableConcept):
        return codeable_of(value)
    if isinstance(value, list):
        return [_as_read(item) for item in value]
    return value


def _assert_same(read: Read, whole: Model) -> None:
    for name in read._fields:
        ours, theirs = getattr(read, name), _as_read(getattr(whole, name))
        assert ours == theirs, name
        assert repr(ours) == repr(theirs), name  # same types too (date, Decimal...)


def _assert_agrees(raw: dict[str, Any]) -> Read | None:
    """The read accepts what the model accepts, with the same values."""
    whole = _whole(raw)
    read = _read(raw)
    if whole is not None:
        assert read is not None, "the model accepts it, the read does not"
        _assert_same(read, whole)
    return read


def test_every_fixture_resource_reads_as_the_model_has_it() -> None:
    assert {r["resourceType"] for r in RESOURCES} == set(MODELS)
    for raw in RESOURCES:
        assert _whole(raw) is not None
        assert _assert_agrees(raw) is not None


@st.composite
def damaged(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fixture resource, and a copy damaged one to three times anywhere."""
    original = draw(st.sampled_from(RESOURCES))
    raw: Any = copy.deepcopy(original)
    for _ in range(draw(st.integers(1, 3))):
        raw = draw(damage(raw))
    return original, raw


@CHECKS
@given(damaged())
def test_whatever_the_model_accepts_is_read_alike(case: tuple[Any, Any]) -> None:
    original, raw = case
    if not isinstance(raw, dict) or raw.get("resourceType") != original["resourceType"]:
        return  # not a resource of that type: the engine never reads it (select)
    _assert_agrees(raw)


@st.composite
def read_element_damaged(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any], str]:
    """A fixture resource, and a copy with one read element replaced, damaged or removed."""
    original = draw(st.sampled_from(RESOURCES))
    rtype = original["resourceType"]
    name = draw(st.sampled_from(READS[rtype]._fields))
    key = MODELS[rtype].model_fields[name].alias or name
    raw = copy.deepcopy(original)
    how = draw(st.sampled_from(["replace", "damage", "remove"]))
    if how == "remove":
        raw.pop(key, None)
    elif how == "damage" and raw.get(key) is not None:
        raw[key] = draw(damage(raw[key]))
    else:
        raw[key] = draw(json_values)
    return original, raw, key


@CHECKS
@given(read_element_damaged())
def test_damage_to_a_read_element_is_judged_as_the_model_judges_it(
    case: tuple[dict[str, Any], dict[str, Any], str],
) -> None:
    _, raw, key = case
    whole = _whole(raw)
    read = _read(raw)
    assert (read is None) == (whole is None), f"{key}: model {whole is not None}"
    if read is not None and whole is not None:
        _assert_same(read, whole)


OBS: dict[str, Any] = {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}
COND: dict[str, Any] = {"resourceType": "Condition", "subject": {"reference": "Patient/p"}}
SR: dict[str, Any] = {
    "resourceType": "ServiceRequest",
    "status": "active",
    "intent": "order",
    "subject": {"reference": "Patient/p"},
}
WHY = {"extension": [{"url": "http://example.org/why", "valueString": "unknown"}]}


def _without(raw: dict[str, Any], key: str, **extra: Any) -> dict[str, Any]:
    return {**{k: v for k, v in raw.items() if k != key}, **extra}


@pytest.mark.parametrize(
    ("rtype", "raw", "accepted"),
    [
        ("Condition", {**COND, "onsetDateTime": "2020", "onsetString": "as a child"}, False),
        ("Condition", {**COND, "abatementAge": {"value": 3}, "abatementRange": {}}, False),
        ("Observation", {**OBS, "valueQuantity": {"value": 1}, "valueSampledData": {}}, False),
        ("Observation", {**OBS, "effectiveDateTime": "2020", "effectiveTiming": {}}, False),
        ("Observation", {**OBS, "valueQuantity": {"value": 1}, "valueString": None}, True),
        ("Condition", {**COND, "bodySite": [{"text": "knee"}, None]}, False),
        ("ServiceRequest", {**SR, "reasonReference": [None]}, False),
        ("Observation", _without(OBS, "code"), False),
        ("Observation", {**OBS, "code": None}, True),
        ("Observation", _without(OBS, "status"), False),
        ("Observation", _without(OBS, "status", _status=WHY), True),
        ("Observation", _without(OBS, "status", _status={}), False),
        ("ServiceRequest", _without(SR, "status", _status=WHY), True),
        ("Condition", {**COND, "resourceType": "Observation"}, False),
        ("Condition", _without(COND, "resourceType"), False),
        ("Condition", {**COND, "code": {"coding": [{"system": CM, "code": 5450}]}}, False),
        ("Condition", {**COND, "code": {"coding": [{"code": "M54.5", "bogus": 1}]}}, False),
        ("Condition", {**COND, "onsetDateTime": "2020-13-45"}, False),
        ("Condition", {**COND, "recordedDate": "2020-03"}, True),
        ("Observation", {**OBS, "valueQuantity": {"value": math.nan}}, False),
        ("Observation", {**OBS, "id": "ünïcødé"}, False),
    ],
)
def test_the_models_rules_hold_for_read_elements(
    rtype: str, raw: dict[str, Any], accepted: bool
) -> None:
    read = _read(raw, rtype=rtype)
    assert (read is not None) == accepted
    if raw.get("resourceType") == rtype:
        assert (_whole(raw, rtype) is not None) == accepted, "the oracle disagrees"


def test_the_reads_mirror_every_rule_of_the_models() -> None:
    """The read copies the models' resource-level validators: a new one must be copied too."""
    for model in MODELS.values():
        decorators = model.__pydantic_decorators__
        assert set(decorators.model_validators) == {
            "reject_null_complex_elements",
            "validate_after_model_construction",
        }
        assert not decorators.field_validators
        assert not decorators.validators
        assert all(not f.metadata for f in model.model_fields.values())


def test_element_types_are_kept_apart() -> None:
    raw = {**OBS, "effectiveDateTime": "2026-05-20", "valueString": "2026-05-20"}
    read = _read(raw)
    assert read is not None
    assert read.effectiveDateTime == date(2026, 5, 20)
    assert read.valueString == "2026-05-20"


def test_nan_is_not_null() -> None:
    assert _read({**OBS, "valueQuantity": {"value": None, "unit": "mg"}}) is not None
    assert _read({**OBS, "valueQuantity": {"value": math.nan, "unit": "mg"}}) is None


def test_a_reason_carries_no_unknown_key() -> None:
    raw = {**COND, "code": {"coding": [{"system": CM, "code": "M54.5", "Jane Doe 1970": 1}]}}
    with pytest.raises(InvalidResource) as caught:
        CONDITION.read(raw)
    assert caught.value.reason == "validation failed: code.coding.0.*: extra_forbidden"


def test_damage_to_an_unread_element_is_not_noticed() -> None:
    """Intended: a bad `category` or `identifier` no longer costs the resource its facts."""
    bad_condition = condition("M54.50", category={"coding": "x"}, identifier="NHS 943")
    bad_observation = observation("44077006", SCT, subject="Patient/p", category=[7])
    for raw in (bad_condition, bad_observation):
        assert _whole(raw) is None
        assert _read(raw) is not None
    facts = facts_of(conditions=[bad_condition], observations=[bad_observation])
    assert facts.skipped == ()
    assert {f.reference for f in facts.facts} == {"Condition/c1", "Observation/o1"}
