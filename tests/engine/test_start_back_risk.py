"""NICE NG59 1.1.1: the latest Keele STarT Back score since the back pain began stratifies
the advice (total up to 3 low; above, high with a psychosocial subscore from 4)."""

from __future__ import annotations

import pytest

from cds.facts import Measurement
from tests.support.facts import fact, findings_of, on

BACK = fact("back-pain-lumbar", 40, "back")
NECK = fact("neck-pain", 400, "neck")


def score(marker: str, value: float | None, days: int | None, ref: str) -> Measurement:
    return Measurement(f"Observation/{ref}", marker, marker, value, "", None, on(days))


def total(value: float | None, days: int | None = 10, ref: str = "total") -> Measurement:
    return score("start-back", value, days, ref)


def psychosocial(value: float, days: int | None = 10, ref: str = "sub") -> Measurement:
    return score("start-back-psychosocial", value, days, ref)


@pytest.mark.parametrize(
    ("labs", "risk", "sub"),
    [
        ((total(3),), "low", None),
        ((total(4),), "medium-or-high", None),
        ((total(4), psychosocial(3)), "medium", 3),
        ((total(4), psychosocial(4)), "high", 4),
        ((total(4), psychosocial(4, 12)), "medium-or-high", None),
        ((total(4, 12), psychosocial(4, 10), psychosocial(2, 11, "earlier")), "high", 4),
    ],
    ids=["3 low", "4 no subscore", "subscore 3", "subscore 4", "subscore before", "latest sub"],
)
def test_the_risk(labs: tuple[Measurement, ...], risk: str, sub: float | None) -> None:
    found = findings_of(BACK, labs=labs).risk
    assert found is not None
    assert (found.risk, found.psychosocial) == (risk, sub)


def test_the_latest_total_since_the_back_pain_began_is_the_one_shown() -> None:
    labs = (total(2, 5, "newer"), total(9, 20, "older"), total(9, 60, "before"))
    found = findings_of(BACK, labs=labs).risk
    assert found is not None
    assert (found.total, found.reference, found.effective) == (2, "Observation/newer", on(5))
    assert findings_of(BACK, labs=(total(9, 60),)).risk is None


def test_neck_pain_does_not_date_the_low_back_episode_nor_need_a_score() -> None:
    """Neck pain of 400 days is not the start of the 40-day low back pain."""
    assert findings_of(NECK, BACK, labs=(total(5, 60),)).risk is None
    found = findings_of(NECK, BACK, labs=(total(5, 30),)).risk
    assert found is not None and found.total == 5
    assert findings_of(NECK, BACK).stratify is True
    assert findings_of(fact("neck-pain", 20, "neck")).stratify is False


def test_a_score_with_no_value_is_no_score() -> None:
    assert findings_of(BACK, labs=(total(None),)).risk is None


def test_an_undated_score_sorts_before_a_dated_one() -> None:
    found = findings_of(BACK, labs=(total(8, None, "undated"), total(1, 5, "dated"))).risk
    assert found is not None and found.reference == "Observation/dated"
