"""Counts over patient results, added up per bucket or partition and merged: the summary's
figures, built without keeping any patient in memory."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from cds.population.result import PatientResult

SUGGESTION_KINDS = ("spinal-assessment", "physiotherapy", "rheumatology", "urgent-assessment")
"""Suggestion kinds (https://spinal-origin-cds.example.org/CodeSystem/suggestion) counted."""


@dataclass(slots=True)
class Tally:
    patients: int = 0
    patients_with_cards: int = 0
    patients_with_red_flags: int = 0
    cards: int = 0
    skipped_resources: int = 0
    """Resources the engine left out as malformed (lines that parsed but failed validation)."""
    by_topic: Counter[str] = field(default_factory=Counter)
    by_indicator: Counter[str] = field(default_factory=Counter)
    by_topic_and_indicator: Counter[str] = field(default_factory=Counter)
    red_flags: Counter[str] = field(default_factory=Counter)
    """Patients per red flag."""
    suggestions: Counter[str] = field(default_factory=Counter)
    """Patients offered each suggestion kind."""
    indicator_counts: Counter[int] = field(default_factory=Counter)
    """Patients by how many spinal-origin indicators they have (0-5)."""

    def add(self, result: PatientResult) -> None:
        self.patients += 1
        self.cards += len(result.topics)
        self.patients_with_cards += bool(result.topics)
        self.patients_with_red_flags += bool(result.red_flags)
        self.skipped_resources += result.skipped
        self.by_topic.update(result.topics)
        self.by_indicator.update(result.indicators)
        self.by_topic_and_indicator.update(
            f"{topic}/{indicator}"
            for topic, indicator in zip(result.topics, result.indicators, strict=True)
        )
        self.red_flags.update(result.red_flags)
        self.suggestions.update(kind for kind in SUGGESTION_KINDS if kind in result.suggestions)
        self.indicator_counts[len(result.spinal_origin_indicators)] += 1

    def merge(self, other: Tally) -> None:
        self.patients += other.patients
        self.patients_with_cards += other.patients_with_cards
        self.patients_with_red_flags += other.patients_with_red_flags
        self.cards += other.cards
        self.skipped_resources += other.skipped_resources
        self.by_topic.update(other.by_topic)
        self.by_indicator.update(other.by_indicator)
        self.by_topic_and_indicator.update(other.by_topic_and_indicator)
        self.red_flags.update(other.red_flags)
        self.suggestions.update(other.suggestions)
        self.indicator_counts.update(other.indicator_counts)
