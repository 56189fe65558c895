"""Patient text quoted on a card, made inert: EHRs render `detail` as Markdown (and HTML)."""

from __future__ import annotations

import html
import re

_MARKDOWN = re.compile(r"([\\`*_\[\]#!|~])")
"""Punctuation that starts Markdown markup: emphasis, code, links and images, headings, tables."""
_INERT = re.compile(r"[^\\`*_\[\]#!|~&<>\s]*(?: [^\\`*_\[\]#!|~&<>\s]+)*")
"""Text with nothing to escape: most labels (one space between words, no markup character)."""


def plain(text: str) -> str:
    """`text` as plain words in Markdown and HTML: no link, image, emphasis or tag survives.

    HTML's `&`, `<` and `>` become entities; Markdown's markup characters are backslash-escaped;
    "://" and "www." are broken up so that no bare URL becomes an autolink.
    """
    if _INERT.fullmatch(text) and "://" not in text and "www." not in text:
        return text
    one_line = " ".join(text.split())
    escaped = _MARKDOWN.sub(r"\\\1", html.escape(one_line, quote=False))
    return escaped.replace("://", ":\\/\\/").replace("www.", "www\\.")
