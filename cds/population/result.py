"""What a population run keeps of one patient's evaluation: one line of patients.ndjson."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import orjson

if TYPE_CHECKING:
    from cds.evaluation import Evaluation


@dataclass(frozen=True, slots=True)
class PatientResult:
    patient: str
    topics: tuple[str, ...]
    """The cards' topic codes, in the cards' order."""
    indicators: tuple[str, ...]
    """The cards' indicators (info, warning, critical), one per card, in the same order."""
    red_flags: tuple[str, ...]
    suggestions: tuple[str, ...]
    """Every code of the ServiceRequests the cards suggest: SNOMED CT and suggestion kinds."""
    spinal_origin_indicators: tuple[str, ...]
    """The spinal-origin indicators present (radiating, neurological, ...), whether or not a
    card was shown."""
    skipped: int
    """Resources the engine left out as malformed."""

    def to_json(self) -> bytes:
        return orjson.dumps(
            {
                "patient": self.patient,
                "topics": self.topics,
                "indicators": self.indicators,
                "redFlags": self.red_flags,
                "suggestions": self.suggestions,
                "spinalOriginIndicators": self.spinal_origin_indicators,
                "skipped": self.skipped,
            }
        )

    @classmethod
    def from_json(cls, line: bytes) -> PatientResult:
        row = orjson.loads(line)
        return cls(
            patient=row["patient"],
            topics=tuple(row["topics"]),
            indicators=tuple(row["indicators"]),
            red_flags=tuple(row["redFlags"]),
            suggestions=tuple(row["suggestions"]),
            spinal_origin_indicators=tuple(row["spinalOriginIndicators"]),
            skipped=row["skipped"],
        )


def _suggestion_codes(card: dict[str, Any]) -> list[str]:
    return [
        coding["code"]
        for suggestion in card.get("suggestions", ())
        for action in suggestion["actions"]
        for coding in action["resource"]["code"]["coding"]
    ]


def patient_result(patient_id: str, evaluation: Evaluation) -> PatientResult:
    cards = [issued.card for issued in evaluation.cards]
    findings = evaluation.findings
    return PatientResult(
        patient=patient_id,
        topics=tuple(issued.topic for issued in evaluation.cards),
        indicators=tuple(card["indicator"] for card in cards),
        red_flags=tuple(sorted({flag.flag for flag in findings.red_flags})),
        suggestions=tuple(sorted({code for card in cards for code in _suggestion_codes(card)})),
        spinal_origin_indicators=tuple(
            sorted({i.key for finding in findings.findings for i in finding.present})
        ),
        skipped=len(evaluation.skipped),
    )
