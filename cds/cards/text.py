"""Card wording: cds/cards/templates/text.json and the Markdown detail templates beside it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEXT_DIR = Path(__file__).resolve().parent / "templates"
_MAX_PHRASES = 4096


class CardText:
    def __init__(self, directory: Path = TEXT_DIR) -> None:
        self.data: dict[str, Any] = json.loads((directory / "text.json").read_text("utf-8"))
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(str(directory)),
            autoescape=False,
            auto_reload=False,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
        )
        # The wording needs no Jinja globals (range, lipsum, …); without them renders are cheaper.
        self.env.globals.clear()
        self._summaries = {
            key: self.env.from_string(value) for key, value in self.data["summaries"].items()
        }
        self._mechanisms = {
            key: self.env.from_string(value) for key, value in self.data["mechanisms"].items()
        }
        self._phrases: dict[tuple[str, str, tuple[tuple[str, str], ...]], str] = {}
        self._details = {
            name: self.env.get_template(f"{name}.md.j2")
            for name in (
                "spinal-origin",
                "inflammatory-pattern",
                "red-flag",
                "order-spinal-origin",
                "imaging-appropriateness",
            )
        }

    def word(self, group: str, key: str) -> str:
        value = self.data[group].get(key, key)
        return str(value)

    def section(self, group: str) -> Mapping[str, Any]:
        section: Mapping[str, Any] = self.data[group]
        return section

    def summary(self, key: str, **values: object) -> str:
        return " ".join(self._summaries[key].render(**values).split())

    def summary_of_words(self, key: str, **words: str) -> str:
        """`summary` for values that are words of this text (joints, sides, regions), never
        patient data: each combination is rendered once. Saves ~20k instructions a render."""
        return self._remembered("summaries", self._summaries, key, words)

    def mechanism(self, key: str, **words: str) -> str:
        """Its values are words of this text (region, joints): rendered once per combination."""
        return self._remembered("mechanisms", self._mechanisms, key, words)

    def _remembered(
        self, group: str, templates: dict[str, jinja2.Template], key: str, words: dict[str, str]
    ) -> str:
        remembered = (group, key, tuple(words.items()))
        phrase = self._phrases.get(remembered)
        if phrase is None:
            if len(self._phrases) >= _MAX_PHRASES:
                self._phrases.clear()
            phrase = " ".join(templates[key].render(**words).split())
            self._phrases[remembered] = phrase
        return phrase

    def detail(self, topic: str, **values: object) -> str:
        text = self._details[topic].render(**values)
        lines = [line.rstrip() for line in text.splitlines()]
        out: list[str] = []
        for line in lines:
            if not line and (not out or not out[-1]):
                continue
            out.append(line)
        return "\n".join(out).strip()


@cache
def card_text() -> CardText:
    return CardText()
