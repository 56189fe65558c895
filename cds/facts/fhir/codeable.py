"""CodeableConcepts as the facts code reads them: codings' system, code and display, and text."""

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
