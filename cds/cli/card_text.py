"""Plain-text rendering of cards for a clinician (`cds evaluate FILE --format text`)."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

from cds.cards.issued import IssuedCard
from cds.evaluation import Evaluation

_BOLD = re.compile(r"\*\*(.+?)\*\*")
_ITALIC = re.compile(r"(?<!\w)_(.+?)_(?!\w)")
_CODE = re.compile(r"`([^`]+)`")
WIDTH = 96


def render_text(cards: Evaluation | Sequence[IssuedCard] | Sequence[dict[str, Any]]) -> str:
    items = _card_dicts(cards.cards if isinstance(cards, Evaluation) else cards)
    if not items:
        return "No cards: nothing suggests a spinal origin or a red flag."
    blocks = [_render_card(i, card) for i, card in enumerate(items, start=1)]
    return "\n\n".join(blocks)


def _card_dicts(cards: Iterable[IssuedCard | dict[str, Any]]) -> list[dict[str, Any]]:
    return [c.card if isinstance(c, IssuedCard) else c for c in cards]


def _render_card(number: int, card: dict[str, Any]) -> str:
    indicator = str(card.get("indicator", "info")).upper()
    topic = card.get("source", {}).get("topic", {}).get("code", "")
    lines = [f"{number}. [{indicator}] {card.get('summary', '')}", f"   topic: {topic}"]
    for raw in str(card.get("detail", "")).splitlines():
        lines.extend(_plain(raw))
    suggestions = card.get("suggestions", [])
    if suggestions:
        lines.append("   Suggestions:")
        for s in suggestions:
            mark = " (recommended)" if s.get("isRecommended") else ""
            lines.append(f"     - {s.get('label', '')}{mark}")
    links = card.get("links", [])
    if links:
        lines.append("   Links:")
        lines.extend(f"     - {link.get('label', '')}: {link.get('url', '')}" for link in links)
    return "\n".join(lines)


def _plain(line: str) -> list[str]:
    text = _CODE.sub(r"\1", _ITALIC.sub(r"\1", _BOLD.sub(r"\1", line))).rstrip()
    if not text:
        return [""]
    bullet = text.startswith("- ")
    indent = "     " if bullet else "   "
    body = ("\u2022 " + text[2:]) if bullet else text
    return textwrap.wrap(body, WIDTH, initial_indent=indent, subsequent_indent=indent + "  ")
