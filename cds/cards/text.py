"""Card wording: cds/cards/templates/text.json and the Markdown detail templates beside it."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import jinja2

TEXT_DIR = Path(__file__).resolve().parent / "templates"
_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_]\w*)\s*\}\}")
_JINJA_CONSTANTS = frozenset({"true", "false", "none", "True", "False", "None"})


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
            key: _phrase(self.env, value) for key, value in self.data["summaries"].items()
        }
        self._mechanisms = {
            key: _phrase(self.env, value) for key, value in self.data["mechanisms"].items()
        }
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
        return " ".join(self._summaries[key](**values).split())

    def mechanism(self, key: str, **values: object) -> str:
        return " ".join(self._mechanisms[key](**values).split())

    def detail(self, topic: str, **values: object) -> str:
        text = self._details[topic].render(**values)
        lines = [line.rstrip() for line in text.splitlines()]
        out: list[str] = []
        for line in lines:
            if not line and (not out or not out[-1]):
                continue
            out.append(line)
        return "\n".join(out).strip()


def _phrase(env: jinja2.Environment, source: str) -> Callable[..., str]:
    """Wording with `{{ name }}` placeholders only renders with str.format; the rest with Jinja."""
    parts = _PLACEHOLDER.split(source)
    jinja = any(tag in literal for literal in parts[::2] for tag in ("{{", "{%", "{#"))
    if jinja or not _JINJA_CONSTANTS.isdisjoint(parts[1::2]):
        return env.from_string(source).render
    return "".join(
        "{" + part + "}" if i % 2 else part.replace("{", "{{").replace("}", "}}")
        for i, part in enumerate(parts)
    ).format


@cache
def card_text() -> CardText:
    return CardText()
