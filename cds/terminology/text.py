"""Keyword data for free text: phrases by concept, side words, joints, regions (keywords.json)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class Keywords:
    phrases: Mapping[str, tuple[tuple[str, ...], ...]]
    """Concept id → its phrases, each as words without stop words and side words."""
    stop_words: frozenset[str]
    side_words: Mapping[str, str]
    progressive: frozenset[str]
    joints: Mapping[str, str]
    regions: Mapping[tuple[str, ...], str]
    family: Mapping[str, str]
    """Concept id → the concept a first-degree relative's history of it is (NG65)."""
    positive: frozenset[str]
    """Words that make a presence test named in text positive ("HLA-B27 positive")."""
    max_chars: int

    def tokens(self, text: str) -> list[str]:
        return _NON_WORD.split(text[: self.max_chars].lower())

    def side_of(self, text: str) -> str | None:
        return self.side_of_tokens(self.tokens(text))

    def side_of_tokens(self, tokens: Iterable[str]) -> str | None:
        sides = {self.side_words[t] for t in tokens if t in self.side_words}
        if "bilateral" in sides or {"left", "right"} <= sides:
            return "bilateral"
        return next(iter(sides)) if sides else None

    def joint_of(self, text: str) -> str | None:
        for token in self.tokens(text):
            joint = self.joints.get(token)
            if joint is not None:
                return joint
        return None

    def region_of(self, text: str) -> str | None:
        words = [t for t in self.tokens(text) if t]
        for i in range(len(words)):
            for size in (2, 1):
                region = self.regions.get(tuple(words[i : i + size]))
                if region is not None:
                    return region
        return None


def build_keywords(sources: Iterable[Mapping[str, object]], max_chars: int) -> Keywords:
    stop: set[str] = set()
    sides: dict[str, str] = {}
    progressive: set[str] = set()
    positive: set[str] = set()
    joints: dict[str, str] = {}
    regions: dict[tuple[str, ...], str] = {}
    family: dict[str, str] = {}
    by_concept: dict[str, list[str]] = {}
    for src in sources:
        stop.update(_strings(src.get("stopWords")))
        progressive.update(_strings(src.get("progressive")))
        positive.update(_strings(src.get("positiveResult")))
        for side, words in _mapping(src.get("sides")).items():
            sides.update({w: side for w in _strings(words)})
        for joint, words in _mapping(src.get("joints")).items():
            for w in _strings(words):
                for token in _NON_WORD.split(w.lower()):
                    if token:
                        joints.setdefault(token, joint)
        for region, words in _mapping(src.get("regions")).items():
            regions.update({tuple(_NON_WORD.split(w.lower())): region for w in _strings(words)})
        for concept, words in _mapping(src.get("concepts")).items():
            by_concept.setdefault(concept, []).extend(_strings(words))
        family.update(
            {k: v for k, v in _mapping(src.get("familyHistory")).items() if isinstance(v, str)}
        )
    phrases: dict[str, tuple[tuple[str, ...], ...]] = {}
    for concept, texts in by_concept.items():
        words = (
            tuple(t for t in _NON_WORD.split(p.lower()) if t and t not in stop and t not in sides)
            for p in texts
        )
        phrases[concept] = tuple(dict.fromkeys(w for w in words if w))
    return Keywords(
        phrases=phrases,
        stop_words=frozenset(stop),
        side_words=sides,
        progressive=frozenset(progressive),
        joints=joints,
        regions=regions,
        family=family,
        positive=frozenset(positive),
        max_chars=max_chars,
    )


def _strings(value: object) -> list[str]:
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _mapping(value: object) -> dict[str, object]:
    if isinstance(value, dict):
        return {k: v for k, v in value.items() if isinstance(k, str)}
    return {}
