"""FHIR dates (date, datetime or partial strings) to calendar dates."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

_PARTIAL = re.compile(r"^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?")


def to_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC)
        day: date = value.date()
        return day
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _PARTIAL.match(value)
        if match:
            year, month, dd = match.groups()
            try:
                return date(int(year), int(month or 1), int(dd or 1))
            except ValueError:
                return None
    return None


def today_of(now: datetime) -> date:
    if now.tzinfo is not None:
        now = now.astimezone(UTC)
    return now.date()


def years_between(earlier: date, later: date) -> int:
    years = later.year - earlier.year
    if (later.month, later.day) < (earlier.month, earlier.day):
        years -= 1
    return years


def add_years(start: date, years: int) -> date:
    try:
        return start.replace(year=start.year + years)
    except ValueError:
        return start.replace(year=start.year + years, day=28)
