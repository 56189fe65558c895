"""A draft joint order fits a finding when its site is one of the finding's joints, on a
compatible side; the finding's side is kept where it is known."""

from __future__ import annotations

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import JointSite, find
from cds.facts import DraftOrder, Facts, OrderSite
from tests.support.facts import ADULT, TERM, fact

BACK = fact("back-pain-lumbar", 200, "back")


def test_a_right_knee_x_ray_for_pain_in_both_knees_keeps_both_sides() -> None:
    knees = fact("joint-pain-knee", 30, "knees", side="bilateral")
    xray = DraftOrder("ServiceRequest/xr", "imaging", "X-ray knee", (OrderSite("knee", "right"),))
    record = Facts("p", ADULT, facts=(BACK, knees), orders=(xray,))
    (order,) = find(record, "order-select", FIXED_NOW, TERM).orders
    assert order.sites == (JointSite("knee", "bilateral"),)


def test_back_pain_with_no_region_stated_refers_to_the_knee_and_the_hip() -> None:
    backache = fact("back-pain-lumbar", 200, "back", region=None)
    knee = fact("joint-pain-knee", 30, "knee", side="right")
    (finding,) = find(
        Facts("p", ADULT, facts=(backache, knee)), "patient-view", FIXED_NOW, TERM
    ).findings
    assert finding.sites == (JointSite("knee", "right"),)
    hip = fact("joint-pain-hip", 30, "hip", side="right")
    lordosis = fact("lordosis", 100, "lordosis")
    (finding,) = find(
        Facts("p", ADULT, facts=(backache, hip, lordosis)), "patient-view", FIXED_NOW, TERM
    ).findings
    assert (finding.pattern, finding.sites) == ("biomechanical", (JointSite("hip", "right"),))
