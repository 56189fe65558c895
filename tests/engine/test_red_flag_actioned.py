"""A red flag is actioned when a request for it is recorded since it began (clinical-logic.md §4):
one naming its evidence (urgent, or imaging), spinal imaging for a spinal flag, or an urgent
red-flag referral."""

from __future__ import annotations

from datetime import date

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import find
from cds.facts import Facts
from cds.facts.actions import RedFlagAction
from tests.support.facts import ADULT, TERM, fact, on

HOT_KNEE = fact("hot-swollen-joint", 3, "hot", joint="knee")


def actioned(*actions: RedFlagAction) -> date | None:
    record = Facts("p", ADULT, facts=(HOT_KNEE,), actions=actions)
    (flag,) = find(record, "patient-view", FIXED_NOW, TERM).red_flags
    return flag.actioned


def request(kind: str, urgent: bool, days: int, reasons: tuple[str, ...] = ()) -> RedFlagAction:
    return RedFlagAction(f"ServiceRequest/{kind}", kind, urgent, on(days), frozenset(reasons))  # type: ignore[arg-type]


def test_imaging_naming_the_hot_joint_actions_it_even_when_routine() -> None:
    assert actioned(request("spinal-imaging", False, 1, ("Condition/hot",))) == on(1)
    assert actioned(request("spinal-imaging", False, 1)) is None


def test_an_urgent_request_that_is_no_referral_and_names_nothing_does_not() -> None:
    assert actioned(request("other", True, 1)) is None
    assert actioned(request("referral", True, 1)) == on(1)
    assert actioned(request("referral", False, 1)) is None


def test_a_request_before_the_flag_is_passed_over_for_a_later_one() -> None:
    before = request("referral", True, 10)
    after = request("referral", True, 1)
    assert actioned(before, after) == on(1)


def test_a_flag_not_yet_acted_on_comes_before_one_acted_on_whatever_their_tiers() -> None:
    back = fact("back-pain-lumbar", 30, "back")
    old_ces = fact("cauda-equina-symptom", 20, "ces")
    record = Facts(
        "p",
        ADULT,
        facts=(HOT_KNEE, back, old_ces),
        actions=(request("other", True, 1, ("Condition/hot",)),),
    )
    flags = find(record, "patient-view", FIXED_NOW, TERM).red_flags
    assert [(f.flag, f.tier, f.actioned) for f in flags] == [
        ("cauda-equina", "urgent", None),
        ("hot-joint", "emergency", on(1)),
    ]
