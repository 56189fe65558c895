"""Patient text quoted on a card renders as plain text, in Markdown and in HTML."""

from __future__ import annotations

import pytest
from markdown_it import MarkdownIt

from cds.cards.escape import plain

HOSTILE = [
    "[sign in](https://evil.example/login)",
    "![x](https://evil.example/pixel.png)",
    '<img src=x onerror="alert(1)">',
    "<a href='https://evil.example'>click</a>",
    "https://evil.example/bare and www.evil.example",
    "**bold** _it_ `code` # heading | table |",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_no_markup_survives_markdown_with_html_on(text: str) -> None:
    renderer = MarkdownIt("commonmark", {"html": True, "linkify": False})
    rendered = renderer.render(f"- Knee pain: {plain(text)}")
    for tag in ("<a", "<img", "<strong", "<em", "<code", "<h1", "<script"):
        assert tag not in rendered, rendered


def test_no_bare_url_is_left_to_autolink() -> None:
    escaped = plain("see https://evil.example and www.evil.example now")
    assert "://" not in escaped and "www." not in escaped


def test_plain_words_read_the_same() -> None:
    assert plain("Pain in right knee, worse on stairs") == "Pain in right knee, worse on stairs"
