"""Plain values read without a model: the common shapes fhir.resources would accept anyway.

fhir.resources takes 5-40 us to validate one element, most of it in fhir_core's per-instance
Python validators; the same verdict on the common shapes takes about 1 us here. Each check
returns the value as fhir.resources would read it, or None: not plain, ask fhir.resources,
which stays the judge of what is valid (an extension, an id, a null, a control character, an
empty list, a partial date...). `tests/facts/test_plain.py` holds the checks to its verdicts and
values. Measured (callgrind, case (a) of bench/ without HTTP): without them a call runs 0.97 M
more instructions (+23 %).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date
from typing import Any, TypeVar

from cds.facts.fhir.codeable import Codeable, Coded

T = TypeVar("T")

_CODING_KEYS = frozenset({"system", "version", "code", "display", "userSelected"})


def _string(value: Any) -> bool:
    """A FHIR string with no whitespace but the space: regex `[ \\r\\n\\t\\S]+` holds."""
    return type(value) is str and value != "" and value.isprintable()


def _plain_coded(raw: Any) -> Coded | None:
    if type(raw) is not dict or not raw:
        return None
    for key, value in raw.items():
        if key not in _CODING_KEYS:  # here, not issuperset(raw): that builds a set
            return None
        if type(value) is str:
            if not value or not value.isprintable() or key == "userSelected":
                return None
        elif key != "userSelected" or type(value) is not bool:
            return None
    system, code = raw.get("system"), raw.get("code")  # each a non-empty string, or None
    if system is not None and " " in system:
        return None  # uri: regex `\\S*`
    if code is not None and (code[0] == " " or code[-1] == " " or "  " in code):
        return None  # code: regex `[^\\s]+(\\s[^\\s]+)*`
    return Coded(system, code, raw.get("display"))


def plain_codeable(raw: Any) -> Codeable | None:
    """The read of a plain CodeableConcept, or None: not plain, ask fhir.resources."""
    if type(raw) is not dict or not raw or len(raw) != ("coding" in raw) + ("text" in raw):
        return None
    text = raw.get("text")
    if "text" in raw and not _string(text):
        return None
    coding = raw.get("coding")
    if coding is None:
        return None if "coding" in raw else Codeable((), text)
    if type(coding) is not list or not coding:
        return None
    read = _each(coding, _plain_coded)
    return None if read is None else Codeable(tuple(read), text)


def plain_codeables(raw: Any) -> list[Codeable] | None:
    """A list of plain CodeableConcepts, or None."""
    if type(raw) is not list or not raw:
        return None
    return _each(raw, plain_codeable)


def _each(items: list[Any], read: Callable[[Any], T | None]) -> list[T] | None:
    """Every item read, or None when one is not plain."""
    out = []
    for item in items:
        value = read(item)
        if value is None:
            return None
        out.append(value)
    return out


_ID = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def plain_id(raw: Any) -> str | None:
    """A FHIR id (regex `[A-Za-z0-9\\-.]+`), at most 64 characters."""
    return raw if type(raw) is str and _ID.fullmatch(raw) else None


def plain_date(raw: Any) -> date | None:
    """A dateTime that is a whole date, "2026-04-10": fhir.resources reads it as a `date`."""
    if type(raw) is not str or not _DATE.fullmatch(raw):
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        return None
