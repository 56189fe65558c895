"""Keyword matching for resources that carry only `code.text` (lower confidence)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

_NON_WORD = re.compile(r"[^0-9a-z]+")


@dataclass(frozen=True, slots=True)
class TextMatch:
    concept: str
    phrase: str
    negated: bool
    side: str | None
    progressive: bool


@dataclass(frozen=True, slots=True)
class Keywords:
    phrases: Mapping[str, tuple[tuple[tuple[str, ...], str], ...]]
    """First word → (phrase words, concept id), longest phrase first."""
    stop_words: frozenset[str]
    side_words: Mapping[str, str]
    negations: frozenset[str]
    progressive: frozenset[str]
    joints: Mapping[str, str]
    regions: Mapping[tuple[str, ...], str]
    max_chars: int

    def tokens(self, text: str) -> list[str]:
        return _NON_WORD.split(text[: self.max_chars].lower())

    def side_of(self, text: str) -> str | None:
        sides = {self.side_words[t] for t in self.tokens(text) if t in self.side_words}
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

    def find(self, text: str) -> list[TextMatch]:
        raw = [t for t in self.tokens(text) if t]
        if not raw:
            return []
        side = self.side_of(text)
        progressive = any(t in self.progressive for t in raw)
        words = [t for t in raw if t not in self.stop_words and t not in self.side_words]
        found: list[TextMatch] = []
        negated = False
        i = 0
        while i < len(words):
            word = words[i]
            if word in self.negations:
                negated = True
            for phrase, concept in self.phrases.get(word, ()):
                if tuple(words[i : i + len(phrase)]) == phrase:
                    found.append(TextMatch(concept, " ".join(phrase), negated, side, progressive))
                    i += len(phrase) - 1
                    break
            i += 1
        return found


def build_keywords(sources: Iterable[Mapping[str, object]], max_chars: int) -> Keywords:
    stop: set[str] = set()
    sides: dict[str, str] = {}
    negations: set[str] = set()
    progressive: set[str] = set()
    joints: dict[str, str] = {}
    regions: dict[tuple[str, ...], str] = {}
    by_concept: dict[str, list[str]] = {}
    for src in sources:
        stop.update(_strings(src.get("stopWords")))
        negations.update(_strings(src.get("negations")))
        progressive.update(_strings(src.get("progressive")))
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
    index: dict[str, list[tuple[tuple[str, ...], str]]] = {}
    for concept, phrases in by_concept.items():
        for phrase in phrases:
            words = tuple(
                t for t in _NON_WORD.split(phrase.lower()) if t and t not in stop and t not in sides
            )
            if words:
                index.setdefault(words[0], []).append((words, concept))
    frozen = {k: tuple(sorted(v, key=lambda p: -len(p[0]))) for k, v in index.items()}
    return Keywords(
        phrases=frozen,
        stop_words=frozenset(stop),
        side_words=sides,
        negations=frozenset(negations),
        progressive=frozenset(progressive),
        joints=joints,
        regions=regions,
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
