"""Placeholder-only wording renders with str.format exactly as Jinja would."""

from __future__ import annotations

import re

import jinja2
import pytest

from cds.cards.text import CardText, _phrase

TEXT = CardText()
JINJA = jinja2.Environment(undefined=jinja2.StrictUndefined)


@pytest.mark.parametrize(
    "source",
    [
        *TEXT.section("summaries").values(),
        *TEXT.section("mechanisms").values(),
        "{ braces } and {{ sites }}{{region}}",
        "{{ sites|upper }} at {{ region }}",
        "{% if sites %}{{ sites }}{% endif %} {{ none }}",
    ],
)
def test_phrase_matches_jinja(source: str) -> None:
    values = {"sites": "Right  hip {0}", "region": "lumbar spine"}
    values |= {n: f"<{n}>" for n in re.findall(r"\{\{\s*(\w+)", source) if n != "none"}
    assert _phrase(TEXT.env, source)(**values) == JINJA.from_string(source).render(**values)
