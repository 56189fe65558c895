"""Bar charts of the summary, as geometry the page's template draws in inline SVG."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from cds.types import JSON

BAR_WIDTH = 360
"""Pixels of the longest bar."""


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: float
    width: int
    shown: str


@dataclass(frozen=True, slots=True)
class BarChart:
    id: str
    title: str
    unit: str
    bars: tuple[Bar, ...]


def bar_chart(id: str, title: str, unit: str, values: Mapping[str, float]) -> BarChart:
    top = max(values.values(), default=0) or 1
    bars = tuple(
        Bar(label, value, round(BAR_WIDTH * value / top), f"{value:,.2f}".rstrip("0").rstrip("."))
        for label, value in values.items()
    )
    return BarChart(id, title, unit, bars)


def summary_charts(summary: JSON) -> list[BarChart]:
    cards = summary["cardsPer1000Patients"]
    flags = summary["redFlags"]["byFlag"]
    counts = summary["spinalOriginIndicatorCounts"]
    return [
        bar_chart("cards-by-topic", "Cards by topic", "per 1,000 patients", cards["byTopic"]),
        bar_chart(
            "red-flags-by-kind",
            "Red flags by kind",
            "patients per 1,000",
            {flag: figures["per1000"] for flag, figures in flags.items()},
        ),
        bar_chart(
            "indicator-counts",
            "Spinal-origin indicators per patient",
            "patients",
            {f"{n} of 5": float(counts.get(str(n), 0)) for n in range(6)},
        ),
    ]
