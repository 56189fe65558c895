"""Card wording: phrases of words only are rendered once and read back the same."""

from __future__ import annotations

import pytest

from cds.cards import text as text_module
from cds.cards.text import CardText


def test_a_remembered_phrase_reads_as_a_fresh_render() -> None:
    text = CardText()
    fresh = text.summary("radicular", sites="Right knee", region="lumbar spine")
    assert text.summary_of_words("radicular", sites="Right knee", region="lumbar spine") == fresh
    assert text.summary_of_words("radicular", sites="Right knee", region="lumbar spine") == fresh
    assert text.summary_of_words("radicular", sites="Left hip", region="lumbar spine") != fresh


def test_summaries_and_mechanisms_of_one_key_are_kept_apart() -> None:
    text = CardText()
    words = {"region": "lumbar spine", "joints": "right knee", "sites": "Right knee"}
    assert text.mechanism("radicular", **words) != text.summary_of_words("radicular", **words)
    assert text.mechanism("radicular", **words).startswith("nerve-root irritation")


def test_the_remembered_phrases_stay_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(text_module, "_MAX_PHRASES", 2)
    text = CardText()
    for joint in ("knee", "hip", "ankle"):
        phrase = text.summary_of_words("radicular", sites=joint, region="lumbar spine")
        assert phrase == f"{joint} pain may be referred from the lumbar spine"
    assert len(text._phrases) == 1
