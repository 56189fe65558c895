"""CodeableConcepts as the facts code reads them, and the plain shape validated without a model.

Most CodeableConcepts in a record are plain: a `text` and `coding`s of `system`, `version`,
`code`, `display` and `userSelected`, each a printable string (or a boolean). fhir.resources
accepts every such one, and takes 20-40 us to say so; `plain_codeable` checks it in about 1 us.
Anything else (an extension, an id, a null, a control character, an empty list...) returns None
and goes to fhir.resources, which stays the judge of what is valid. `tests/test_codeable.py`
holds the two to the same verdicts and values.
"""

from __future__ import annotations

from typing import Any, NamedTuple

from fhir.resources.R4B.codeableconcept import CodeableConcept


class Coded(NamedTuple):
    system: str | None
    code: str | None
    display: str | None


class Codeable(NamedTuple):
    coding: tuple[Coded, ...]
    text: str | None

    def as_json(self) -> dict[str, Any]:
        """The FHIR JSON of what is read: a raw CodeableConcept, for the code matchers."""
        coding = [
            {k: v for k, v in (("system", c.system), ("code", c.code)) if v is not None}
            for c in self.coding
        ]
        return {"coding": coding, "text": self.text}


def codeable_of(model: CodeableConcept) -> Codeable:
    """What is read of a CodeableConcept fhir.resources validated."""
    coding = tuple(Coded(c.system, c.code, c.display) for c in model.coding or ())
    return Codeable(coding, model.text)


_CODING_KEYS = frozenset({"system", "version", "code", "display", "userSelected"})


def _string(value: Any) -> bool:
    """A FHIR string with no whitespace but the space: regex `[ \\r\\n\\t\\S]+` holds."""
    return type(value) is str and value != "" and value.isprintable()


def _plain_coded(raw: Any) -> Coded | None:
    if type(raw) is not dict or not raw or not _CODING_KEYS.issuperset(raw):
        return None
    for key, value in raw.items():
        if type(value) is str:
            if not value.isprintable() or not value or key == "userSelected":
                return None
            if key == "system" and " " in value:
                return None  # uri: regex `\\S*`
            if key == "code" and (value[0] == " " or value[-1] == " " or "  " in value):
                return None  # code: regex `[^\\s]+(\\s[^\\s]+)*`
        elif key != "userSelected" or type(value) is not bool:
            return None
    return Coded(raw.get("system"), raw.get("code"), raw.get("display"))


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
    read = []
    for item in coding:
        coded = _plain_coded(item)
        if coded is None:
            return None
        read.append(coded)
    return Codeable(tuple(read), text)


def plain_codeables(raw: Any) -> list[Codeable] | None:
    """A list of plain CodeableConcepts, or None."""
    if type(raw) is not list or not raw:
        return None
    read = []
    for item in raw:
        codeable = plain_codeable(item)
        if codeable is None:
            return None
        read.append(codeable)
    return read
