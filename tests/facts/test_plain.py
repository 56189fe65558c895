"""The plain-value checks (`cds.facts.fhir.plain`) against fhir.resources.

Whatever a check accepts, fhir.resources accepts too, and reads alike; what a check turns away
goes to fhir.resources, so it may turn away more than needed, but not much of real data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.fhirtypes import CodeableConceptType
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from cds.facts.fhir.codeable import codeable_of
from cds.facts.fhir.plain import plain_codeable, plain_codeables, plain_date, plain_id
from tests.support.scenarios import scenario_resources

MODEL: TypeAdapter[Any] = TypeAdapter(CodeableConceptType)
ID: TypeAdapter[Any] = TypeAdapter(Condition.model_fields["id"].annotation)
DATE_TIME: TypeAdapter[Any] = TypeAdapter(Condition.model_fields["onsetDateTime"].annotation)
CHECKS = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=1500)
RESOURCES = scenario_resources()

TRICKY = [
    "", " ", "a", "a b", "a  b", " a", "a ", "\t", "a\tb", "a\nb", "\r", "\u00a0", "a\u00a0b",
    "\u2028", "\u3000", "x\x00", "\x1f", "\x85", "é", "ä\u200b", "M54.41", "http://snomed.info/sct",
    "urn:oid:2.16.840.1.113883.6.96", "true",
]  # fmt: skip
strings = st.one_of(st.sampled_from(TRICKY), st.text(max_size=6))
scalars = st.one_of(strings, st.none(), st.booleans(), st.integers(-2, 2), st.floats())
CODING_KEYS = ["system", "version", "code", "display", "userSelected", "id", "extension", "_code"]
codings = st.one_of(
    st.dictionaries(st.sampled_from(CODING_KEYS), scalars, max_size=5),
    scalars,
    st.lists(scalars, max_size=1),
)
codeables = st.one_of(
    st.fixed_dictionaries(
        {},
        optional={
            "coding": st.one_of(st.lists(codings, max_size=3), scalars),
            "text": scalars,
            "id": strings,
            "extension": st.lists(st.dictionaries(st.just("url"), strings), max_size=1),
        },
    ),
    scalars,
)

words = st.one_of(
    st.from_regex(r"[A-Za-z0-9.:/|_ -]{1,12}", fullmatch=True),
    st.text(st.characters(exclude_categories=["Cs"]), min_size=1, max_size=4),
    st.sampled_from(TRICKY),
)
near_plain = st.fixed_dictionaries(
    {},
    optional={
        "coding": st.lists(
            st.dictionaries(
                st.sampled_from(CODING_KEYS[:5]), st.one_of(words, st.booleans()), max_size=4
            ),
            min_size=1,
            max_size=3,
        ),
        "text": words,
    },
)


def _model(raw: Any, model: TypeAdapter[Any] = MODEL) -> Any:
    try:
        return model.validate_python(raw)
    except (ValidationError, ValueError, TypeError):
        return None


@CHECKS
@given(st.one_of(near_plain, codeables))
def test_what_the_check_accepts_fhir_resources_accepts_and_reads_alike(raw: Any) -> None:
    plain = plain_codeable(raw)
    if plain is not None:
        model = _model(raw)
        assert model is not None, "the check accepts what fhir.resources refuses"
        assert codeable_of(model) == plain
        assert repr(codeable_of(model)) == repr(plain)


@CHECKS
@given(st.one_of(st.lists(codeables, max_size=3), scalars))
def test_a_list_is_plain_only_when_each_is(raw: Any) -> None:
    plain = plain_codeables(raw)
    if plain is not None:
        assert isinstance(raw, list) and raw
        assert plain == [plain_codeable(item) for item in raw]


def _codeables(value: Any) -> list[dict[str, Any]]:
    """Every dict with a `coding` list, at any depth."""
    if isinstance(value, list):
        return [cc for item in value for cc in _codeables(item)]
    if not isinstance(value, dict):
        return []
    own = [value] if isinstance(value.get("coding"), list) else []
    return own + [cc for item in value.values() for cc in _codeables(item)]


def test_the_fixtures_codeable_concepts_take_the_quick_way() -> None:
    found = [cc for resource in RESOURCES for cc in _codeables(resource)]
    assert len(found) > 100
    for raw in found:
        plain = plain_codeable(raw)
        assert plain is not None, raw
        assert plain == codeable_of(MODEL.validate_python(raw))


ids = st.one_of(st.from_regex(r"[A-Za-z0-9.\-]{0,70}", fullmatch=True), strings, scalars)


@CHECKS
@given(ids)
def test_a_plain_id_is_one_to_fhir_resources(raw: Any) -> None:
    plain = plain_id(raw)
    if plain is not None:
        assert _model(raw, ID) == plain


dates = st.one_of(
    st.dates().map(date.isoformat),
    st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", fullmatch=True),
    st.from_regex(r"[0-9]{4}(-[0-9]{2}(-[0-9]{2}(T[0-9:.+Z-]{0,12})?)?)?\n?", fullmatch=True),
    strings,
    scalars,
)


@CHECKS
@given(dates)
def test_a_plain_date_is_read_as_fhir_resources_reads_it(raw: Any) -> None:
    plain = plain_date(raw)
    if plain is not None:
        model = _model(raw, DATE_TIME)
        assert model == plain
        assert repr(model) == repr(plain)


def test_the_fixtures_ids_and_dates_take_the_quick_way() -> None:
    keys = ("onsetDateTime", "recordedDate", "effectiveDateTime", "abatementDateTime")
    found = [r[k] for r in RESOURCES for k in keys if isinstance(r.get(k), str)]
    whole_dates = [d for d in found if len(d) == 10]
    assert len(whole_dates) > 50
    assert all(plain_date(d) == DATE_TIME.validate_python(d) for d in whole_dates)
    assert all(plain_id(r["id"]) == r["id"] for r in RESOURCES)
