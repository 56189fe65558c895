"""Supporting findings add their own weight to a finding's score (rules.json supportingWeight):
an antalgic gait to a compensatory joint, a posture to a biomechanical one; a site may weigh
them differently."""

from __future__ import annotations

import json
from pathlib import Path

from cds.data.scenarios import FIXTURES_NOW as FIXED_NOW
from cds.engine import find
from cds.facts import Fact, Facts
from cds.terminology import Terminology, load_terminology
from tests.support.facts import ADULT, fact

BACK = fact("back-pain-lumbar", 200, "back")


def score(term: Terminology, *facts: Fact) -> tuple[str, float]:
    (finding,) = find(Facts("p", ADULT, facts=facts), "patient-view", FIXED_NOW, term).findings
    return finding.pattern, finding.score


def test_a_site_weighs_gait_and_posture_each_with_its_own_weight(tmp_path: Path) -> None:
    (tmp_path / "rules.json").write_text(
        json.dumps({"kind": "rules", "supportingWeight": {"gait": 1.0, "posture": 0.25}})
    )
    term = load_terminology(tmp_path)
    knee = fact("joint-pain-knee", 30, "knee", side="right")
    gait = fact("abnormal-gait", 30, "gait")
    pattern, plain = score(term, BACK, knee)
    assert (pattern, score(term, BACK, knee, gait)) == (
        "compensatory",
        ("compensatory", plain + 1.0),
    )
    hip = fact("joint-pain-hip", 30, "hip", side="right")
    lordosis = fact("lordosis", 100, "lordosis")
    assert score(term, BACK, hip, lordosis) == ("biomechanical", plain + 0.25)
