"""One synthetic patient: a scenario of fixtures/ varied (ids, dates, age, codes, text), with
everyday records around it, or everyday records alone.

Codes are swapped only for another code of the same concept and attributes (a SNOMED CT code
for its ICD-10 twin, say), so a variation still means what its scenario means; dates move,
so whether a complaint is new, chronic or resolved may not.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cache
from importlib.resources import files
from typing import Any

import orjson

from cds.terminology import Terminology
from cds.types import JSON

_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(T.*)?$")
_REFERENCE = re.compile(r"^([A-Za-z]+)/([A-Za-z0-9\-.]{1,64})$")


@dataclass(frozen=True, slots=True)
class Odds:
    scenario: float = 0.4
    """Share of patients drawn from a scenario; the rest have everyday records only."""
    noise: int = 12
    """Everyday resources per patient, on average."""
    shift_days: int = 45
    """Dates move by up to this many days, either way."""
    age_years: int = 12
    """Birth dates move by up to this many more years, either way."""
    swap_code: float = 0.2
    text_only: float = 0.08
    """A coded CodeableConcept keeps its text alone (read by keywords)."""
    recase_text: float = 0.15


@cache
def everyday() -> tuple[JSON, ...]:
    source = files("cds.population").joinpath("noise.json").read_bytes()
    return tuple(orjson.loads(source)["resources"])


def twins(term: Terminology) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    """(system, code) → every (system, code, display) of the same concept and attributes."""
    groups: dict[tuple[str, tuple[tuple[str, str], ...]], list[tuple[str, str, str]]] = {}
    for entries in term.exact.values():
        for entry in entries:
            key = (entry.concept.id, tuple(sorted(entry.attrs.items())))
            groups.setdefault(key, []).append((entry.system, entry.code, entry.display))
    found: dict[tuple[str, str], list[tuple[str, str, str]]] = {}
    for group in groups.values():
        for system, code, _ in group:
            found.setdefault((system, code), []).extend(group)
    return found


def _shift(value: str, days: int) -> str:
    match = _DATE.match(value)
    if match is None:
        return value
    moved = date.fromisoformat(match[1]) + timedelta(days=days)
    return moved.isoformat() + (match[2] or "")


class Variation:
    def __init__(self, rng: random.Random, odds: Odds, codes: dict[Any, Any]) -> None:
        self.rng = rng
        self.odds = odds
        self.codes = codes

    def patient(self, patient_id: str, scenario: list[JSON] | None) -> list[JSON]:
        resources = [orjson.loads(orjson.dumps(r)) for r in scenario or ()]
        count = self.rng.randint(0, 2 * self.odds.noise)
        resources += [orjson.loads(orjson.dumps(self.rng.choice(everyday()))) for _ in range(count)]
        if not any(r.get("resourceType") == "Patient" for r in resources):
            resources.insert(0, self._new_patient())
        ids = {
            f"{r['resourceType']}/{r.get('id')}": f"{patient_id}-{n}"
            for n, r in enumerate(resources)
        }
        days = self.rng.randint(-self.odds.shift_days, self.odds.shift_days)
        years = self.rng.randint(-self.odds.age_years, self.odds.age_years)
        varied = []
        for n, resource in enumerate(resources):
            kind = resource["resourceType"]
            resource = self._vary(resource, days, ids, patient_id)
            if kind == "Patient":
                resource["id"] = patient_id
                if "birthDate" in resource:
                    resource["birthDate"] = _shift(resource["birthDate"], days - 365 * years)
            else:
                resource["id"] = f"{patient_id}-{n}"
                resource["subject"] = {"reference": f"Patient/{patient_id}"}
            varied.append(resource)
        return varied

    def _new_patient(self) -> JSON:
        year = 2026 - self.rng.randint(18, 90)
        month, day = self.rng.randint(1, 12), self.rng.randint(1, 28)
        return {
            "resourceType": "Patient",
            "gender": self.rng.choice(("female", "male")),
            "birthDate": f"{year}-{month:02d}-{day:02d}",
        }

    def _vary(self, value: Any, days: int, ids: dict[str, str], patient_id: str) -> Any:
        if isinstance(value, dict):
            if "coding" in value and isinstance(value["coding"], list):
                self._vary_codeable(value)
            return {k: self._vary(v, days, ids, patient_id) for k, v in value.items()}
        if isinstance(value, list):
            return [self._vary(v, days, ids, patient_id) for v in value]
        if isinstance(value, str):
            reference = _REFERENCE.match(value)
            if reference and value in ids:
                return f"{reference[1]}/{ids[value]}"
            return _shift(value, days)
        return value

    def _vary_codeable(self, codeable: JSON) -> None:
        rng, odds = self.rng, self.odds
        for coding in codeable["coding"]:
            key = (coding.get("system"), coding.get("code"))
            if key in self.codes and rng.random() < odds.swap_code:
                coding["system"], coding["code"], coding["display"] = rng.choice(self.codes[key])
        text = codeable.get("text")
        if isinstance(text, str) and rng.random() < odds.text_only:
            del codeable["coding"]
        if isinstance(text, str) and rng.random() < odds.recase_text:
            codeable["text"] = rng.choice((text.lower(), text.upper(), text.capitalize()))
