"""The one seam where raw FHIR JSON meets fhir.resources R4B: element-level validation.

Never validate what the engine will not read. Of a resource, only the elements its NamedTuple
in `cds.facts.fhir.resources` names are validated, each with the fhir.resources type of that field,
together with the model's own resource-level rules as far as they concern them: resourceType,
required elements, one value per choice group (onset[x]...), no null in a list of complex types.
A malformed element the engine does not read (a Condition's `category`, say) goes unnoticed:
the resource is read, not skipped.

Plain values (a CodeableConcept of printable strings, an id, a whole date) are checked without
the model, to the same verdict (`cds.facts.fhir.plain`); the rest goes to fhir.resources.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_type_hints

from fhir.resources.R4B.condition import Condition
from fhir.resources.R4B.domainresource import DomainResource
from fhir.resources.R4B.observation import Observation
from fhir.resources.R4B.servicerequest import ServiceRequest
from fhir_core.utils import is_list_type, is_primitive_type
from pydantic import TypeAdapter, ValidationError
from pydantic.fields import FieldInfo

from cds.facts.fhir.codeable import Codeable, codeable_of
from cds.facts.fhir.plain import plain_codeable, plain_codeables, plain_date, plain_id
from cds.facts.fhir.resources import ConditionRead, ObservationRead, ServiceRequestRead

Read = TypeVar("Read", ConditionRead, ObservationRead, ServiceRequestRead)

_MISSING: Any = object()


class InvalidResource(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True, slots=True)
class _Plain:
    """A type whose plain values are read without the model (`cds.facts.fhir.plain`)."""

    read: Callable[[Any], Any | None]
    """The read of a plain value; None: not plain."""
    of_model: Callable[[Any], Any]
    """The read of what fhir.resources validated."""


def _codeable_of(model: Any) -> Codeable | None:
    return None if model is None else codeable_of(model)


def _codeables_of(models: list[Any] | None) -> list[Codeable] | None:
    return None if models is None else [codeable_of(m) for m in models]


def _as_is(value: Any) -> Any:
    return value


def _never_plain(value: Any) -> None:
    return None


_CONDITION_FIELDS = Condition.model_fields
_PLAIN: dict[Any, _Plain] = {
    Codeable | None: _Plain(plain_codeable, _codeable_of),
    list[Codeable] | None: _Plain(plain_codeables, _codeables_of),
    _CONDITION_FIELDS["id"].annotation: _Plain(plain_id, _as_is),
    _CONDITION_FIELDS["onsetDateTime"].annotation: _Plain(plain_date, _as_is),
}
"""By read type (CodeableConcepts), else by the model's field type (every id, every dateTime)."""
_NOT_PLAIN = _Plain(_never_plain, _as_is)
"""Every other type: always to fhir.resources."""


@dataclass(frozen=True, slots=True)
class _Type:
    adapter: TypeAdapter[Any]
    complex_list: bool
    plain: _Plain

    def validate(self, value: Any, where: str) -> Any:
        read = self.plain.read(value)
        if read is not None:
            return read
        if self.complex_list and isinstance(value, list) and any(v is None for v in value):
            raise InvalidResource(f"validation failed: {where}: list_type")
        try:
            result = self.adapter.validate_python(value)
        except ValidationError as exc:
            raise InvalidResource(_describe(exc, where)) from exc
        except (ValueError, TypeError, RecursionError, AttributeError, KeyError) as exc:
            raise InvalidResource(f"invalid {where}: {type(exc).__name__}") from exc
        return self.plain.of_model(result)


_TYPES: dict[tuple[Any, Any], _Type] = {}


def _type_of(field: FieldInfo, read_as: Any = None) -> _Type:
    """One adapter per distinct field and read type, shared by every element and resource type."""
    annotation: Any = field.annotation
    found = _TYPES.get((annotation, read_as))
    if found is None:
        complex_list = is_list_type(field) and not is_primitive_type(field)
        adapter = TypeAdapter(annotation)
        plain = _PLAIN.get(read_as) or _PLAIN.get(annotation) or _NOT_PLAIN
        found = _Type(adapter, complex_list, plain)
        _TYPES[annotation, read_as] = found
    return found


def _keys(fields: dict[str, FieldInfo], name: str) -> tuple[str, ...]:
    """The JSON keys of a field: its alias, then its name (the models populate by name)."""
    alias = fields[name].alias
    return (alias, name) if alias and alias != name else (name,)


def _optional_key(
    fields: dict[str, FieldInfo], name: str, extensions: Mapping[str, object]
) -> str | None:
    keys = _keys(fields, name)
    simple = len(keys) == 1 and not fields[name].is_required() and name not in extensions
    return keys[0] if simple else None


def _get(raw: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        if key in raw:
            return raw[key]
    return _MISSING


@dataclass(frozen=True, slots=True)
class _Element:
    name: str
    keys: tuple[str, ...]
    type: _Type
    required: bool
    """1..1 and the model requires the key (fhir.resources accepts an explicit null)."""
    extension: tuple[tuple[str, ...], _Type] | None
    """A required primitive: its value, or else an extension on `_name`, must be there."""
    optional_key: str | None
    """The JSON key of an element that may be absent and has only that key, else None."""

    def read(self, raw: dict[str, Any]) -> Any:
        where = self.keys[0]
        value = _get(raw, self.keys)
        if value is _MISSING:
            if self.required:
                raise InvalidResource(f"validation failed: {where}: missing")
            value = None
        else:
            value = self.type.validate(value, where)
        if value is None and self.extension is not None:
            keys, ext_type = self.extension
            ext = _get(raw, keys)
            ext = None if ext is _MISSING else ext_type.validate(ext, keys[0])
            if ext is None or not ext.extension:
                raise InvalidResource(f"validation failed: {where}: missing")
        return value


class Reader(Generic[Read]):
    """Reads one resource type: the elements of its NamedTuple, validated as the model would."""

    def __init__(self, read: type[Read], model: type[DomainResource]) -> None:
        fields = model.model_fields
        names = list(read._fields)
        hints = get_type_hints(read)
        sample = model.model_construct(**{})  # for the model's rules, which are class-wide
        aliases = model.get_alias_mapping()
        extensions = {aliases[name]: ext for name, ext in sample.get_required_fields()}
        self._read: type[Read] = read
        self._resource_type = model.get_resource_type()
        self._elements = tuple(
            _Element(
                name,
                _keys(fields, name),
                _type_of(fields[name], hints[name]),
                fields[name].is_required(),
                (_keys(fields, ext), _type_of(fields[ext]))
                if (ext := extensions.get(name)) is not None
                else None,
                _optional_key(fields, name, extensions),
            )
            for name in names
        )
        self._choices = tuple(
            (prefix, tuple(key for member in members for key in _keys(fields, member)))
            for prefix, members in sample.get_one_of_many_fields().items()
            if not set(members).isdisjoint(names)
        )
        self._choice_keys = frozenset(key for _, keys in self._choices for key in keys)
        self._by_key = {
            e.optional_key: (i, e.type) for i, e in enumerate(self._elements) if e.optional_key
        }
        """An element's index and type, by its one key."""
        self._checked = tuple((i, e) for i, e in enumerate(self._elements) if not e.optional_key)
        """Elements that must be there, or have two keys: read one by one."""

    def read(self, raw: dict[str, Any]) -> Read:
        """The read elements of `raw`, or InvalidResource with a reason free of patient data."""
        if raw.get("resourceType") != self._resource_type:
            raise InvalidResource("validation failed: resourceType: wrong-resource-type")
        if len(self._choice_keys.intersection(raw)) > 1:
            for prefix, keys in self._choices:
                if sum(raw.get(key) is not None for key in keys) > 1:
                    raise InvalidResource(f"validation failed: {prefix}[x]: one_of_many")
        values: list[Any] = [None] * len(self._elements)
        for key, value in raw.items():
            found = self._by_key.get(key)
            if found is not None:
                index, element_type = found
                values[index] = element_type.validate(value, key)
        for index, element in self._checked:
            values[index] = element.read(raw)
        return self._read._make(values)


CONDITION = Reader(ConditionRead, Condition)
OBSERVATION = Reader(ObservationRead, Observation)
SERVICE_REQUEST = Reader(ServiceRequestRead, ServiceRequest)


def _describe(exc: ValidationError, where: str) -> str:
    errors = exc.errors(include_url=False, include_context=False, include_input=False)
    parts = []
    for err in errors[:3]:
        loc = err.get("loc", ())
        if err.get("type") == "extra_forbidden":
            loc = (*loc[:-1], "*")  # an unknown key is input: it may be patient data
        path = ".".join(str(p) for p in (where, *loc))[:80]
        parts.append(f"{path}: {err.get('type', 'invalid')}")
    more = f" (+{len(errors) - 3} more)" if len(errors) > 3 else ""
    return "validation failed: " + "; ".join(parts) + more
