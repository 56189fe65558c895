"""summary.json: the figures a health system asks for before go-live, per 1,000 patients."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from cds.population.malformed import MalformedLines
from cds.population.tally import Tally
from cds.types import JSON


def _per_1000(count: int, patients: int) -> float:
    return round(1000 * count / patients, 2) if patients else 0.0


def _rates(counts: Counter[str], patients: int) -> JSON:
    return {key: _per_1000(counts[key], patients) for key in sorted(counts)}


def _counted(counts: Counter[str], patients: int) -> JSON:
    return {
        key: {"patients": counts[key], "per1000": _per_1000(counts[key], patients)}
        for key in sorted(counts)
    }


def summary(
    tally: Tally,
    malformed: MalformedLines,
    *,
    now: datetime,
    engine: str,
    visits_per_day: int | None,
) -> JSON:
    patients = tally.patients
    document: JSON = {
        "now": now.isoformat(),
        "engine": engine,
        "patients": patients,
        "patientsWithCards": tally.patients_with_cards,
        "cards": tally.cards,
        "cardsPer1000Patients": {
            "all": _per_1000(tally.cards, patients),
            "byTopic": _rates(tally.by_topic, patients),
            "byIndicator": _rates(tally.by_indicator, patients),
            "byTopicAndIndicator": _rates(tally.by_topic_and_indicator, patients),
        },
        "redFlags": {
            "patients": tally.patients_with_red_flags,
            "per1000": _per_1000(tally.patients_with_red_flags, patients),
            "byFlag": _counted(tally.red_flags, patients),
        },
        "suggestions": _counted(tally.suggestions, patients),
        "spinalOriginIndicatorCounts": {
            str(n): tally.indicator_counts[n] for n in sorted(tally.indicator_counts)
        },
        "skippedAsMalformed": {
            "lines": malformed.total,
            "linesByType": dict(sorted((+malformed.by_type).items())),
            "resources": tally.skipped_resources,
        },
    }
    if visits_per_day is not None:
        document["perDay"] = _per_day(tally, visits_per_day)
    return document


def _per_day(tally: Tally, visits: int) -> JSON:
    """Chart openings a day times the cards (and red flags) per patient-view call."""
    share = visits / tally.patients if tally.patients else 0.0
    return {
        "visits": visits,
        "cards": round(tally.cards * share, 1),
        "patientsWithCards": round(tally.patients_with_cards * share, 1),
        "redFlagCards": round(tally.by_topic["red-flag"] * share, 1),
    }
