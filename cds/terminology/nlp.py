"""Free text → phrases with their assertions, by medspaCy's target matcher and ConText.

The pipeline is built once per process from the keyword and ConText-rule data; it is
rule-based throughout (no statistical model, nothing downloaded). Results are remembered per
distinct text under a hash of it, so the cache holds no text.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import re
import threading
import warnings
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cds.terminology.context_rules import PRECEDENCE, ContextRule
from cds.terminology.text import Keywords
from cds.types import Assertion

READ_TEXTS = 20_000
"""Distinct texts remembered with what was read in them; then the memory starts over."""
_TOKEN = re.compile(r"[^\W_]+|\n+|[^\w\s]")
_TARGETS = "targets"
_JOINERS = ("-", "/")
"""Punctuation allowed inside a phrase ("x-ray", "pins/needles")."""


@dataclass(frozen=True, slots=True)
class TextMatch:
    concept: str
    phrase: str
    """The keyword phrase matched (the keyword data's words, not the record's)."""
    assertion: Assertion
    side: str | None
    progressive: bool
    clause: tuple[int, int]
    """Character offsets of the clause the phrase stands in."""


class TextReader:
    """Reads phrases and their assertions; safe to share between threads."""

    def __init__(self, keywords: Keywords, rules: Sequence[ContextRule]) -> None:
        self.keywords = keywords
        self._pipeline = _Pipeline(keywords, rules)
        self._read: dict[bytes, tuple[TextMatch, ...]] = {}
        self._lock = threading.Lock()

    def read(self, text: str) -> tuple[TextMatch, ...]:
        text = text[: self.keywords.max_chars]
        key = hashlib.blake2b(text.encode("utf-8", "replace"), digest_size=16).digest()
        found = self._read.get(key)
        if found is None:
            with self._lock:
                found = self._pipeline.read(text)
            if len(self._read) >= READ_TEXTS:
                self._read.clear()
            self._read[key] = found
        return found


class _Pipeline:
    def __init__(self, keywords: Keywords, rules: Sequence[ContextRule]) -> None:
        nlp = _language()
        from medspacy.context import ConText, ConTextRule
        from medspacy.target_matcher import TargetMatcher, TargetRule

        self.keywords = keywords
        self.make_doc = nlp.make_doc
        gap = {"LOWER": {"IN": sorted({*keywords.stop_words, *keywords.side_words, *_JOINERS})}}
        self.targets = TargetMatcher(nlp, name="targets", result_type=None, prune=False)
        self.targets.add(
            [
                TargetRule(" ".join(words), concept, pattern=_phrase_pattern(words, gap))
                for concept, phrases in keywords.phrases.items()
                for words in phrases
            ]
        )
        self.context = ConText(
            nlp,
            name="context",
            rules=None,
            span_attrs=None,
            input_span_type="group",
            span_group_name=_TARGETS,
        )
        self.context.add(
            [
                ConTextRule(
                    rule.literal,
                    (rule.assertion or rule.direction).upper(),
                    pattern=list(rule.pattern)
                    if rule.pattern is not None
                    else _trigger_pattern(nlp.make_doc(rule.literal.lower())),
                    direction=rule.direction.upper(),
                    max_scope=rule.max_scope,
                    metadata={"first_degree": rule.first_degree},
                )
                for rule in rules
            ]
        )

    def read(self, text: str) -> tuple[TextMatch, ...]:
        doc = self.make_doc(text)
        if not len(doc):
            return ()
        clause_of = _mark_clauses(doc)
        doc.spans[_TARGETS] = _longest_first(self.targets(doc))
        self.context(doc)
        found: list[TextMatch] = []
        for ent in doc.spans[_TARGETS]:
            clause = clause_of[ent.start]
            modifiers = [m for m in ent._.modifiers if clause_of[m.modifier_span[0]] == clause]
            match = self._match(ent.label_, ent._.target_rule.literal, modifiers, doc, clause)
            if match is not None:
                found.append(match)
        return tuple(found)

    def _match(
        self, label: str, phrase: str, modifiers: list[Any], doc: Any, clause: tuple[int, int]
    ) -> TextMatch | None:
        categories = {m.category.lower() for m in modifiers}
        assertion: Assertion = next((a for a in PRECEDENCE if a in categories), "affirmed")
        concept = label
        if assertion == "family":
            relative = next(
                (
                    m
                    for m in modifiers
                    if m.category.lower() == "family" and m.rule.metadata["first_degree"]
                ),
                None,
            )
            concept = self.keywords.family.get(label, "") if relative is not None else ""
            if not concept:
                return None
        words = [t.lower_ for t in doc[clause[0] : clause[1]]]
        span = doc[clause[0] : clause[1]]
        return TextMatch(
            concept=concept,
            phrase=phrase,
            assertion=assertion,
            side=self.keywords.side_of_tokens(words),
            progressive=not self.keywords.progressive.isdisjoint(words),
            clause=(span.start_char, span.end_char),
        )


@functools.cache
def _language() -> Any:
    """A blank English spaCy pipeline with our tokenizer: no model, nothing downloaded."""
    with warnings.catch_warnings():
        # spaCy's command-line helpers, imported with it, use deprecated click names.
        warnings.simplefilter("ignore", DeprecationWarning)
        import medspacy  # noqa: F401  (registers the Span and Doc extensions ConText uses)
        import spacy
    nlp = spacy.blank("en")
    nlp.tokenizer = _Tokenizer(nlp.vocab)
    return nlp


class _Tokenizer:
    """Words, each punctuation mark and each run of line breaks: the keywords' own split."""

    def __init__(self, vocab: Any) -> None:
        self.vocab = vocab

    def __call__(self, text: str) -> Any:
        from spacy.tokens import Doc

        found = list(_TOKEN.finditer(text))
        words = [m.group() for m in found]
        ends = [m.start() for m in found[1:]] + [len(text)]
        spaces = [end > m.end() for m, end in zip(found, ends, strict=True)]
        return Doc(self.vocab, words=words, spaces=spaces)


def _mark_clauses(doc: Any) -> list[tuple[int, int]]:
    """A clause ends at a line break, ";" or "!"; at "." before a space, the end or a capital
    ("38.5" goes on); at "?" closing a word ("Fever? No", not "?CES" or "? CES")."""
    starts = []
    start = True
    for i, token in enumerate(doc):
        token.is_sent_start = start
        if start:
            starts.append(i)
        text = token.text
        following = doc[i + 1].text if i + 1 < len(doc) else ""
        attached = i > 0 and not doc[i - 1].whitespace_
        start = (
            text[0] == "\n"
            or text in (";", "!")
            or (text == "?" and attached and (not following or bool(token.whitespace_)))
            or (
                text == "." and (not following or bool(token.whitespace_) or following[0].isupper())
            )
        )
    bounds = [*starts, len(doc)]
    clause_of: list[tuple[int, int]] = []
    for begin, end in itertools.pairwise(bounds):
        clause_of.extend([(begin, end)] * (end - begin))
    return clause_of


def _longest_first(spans: list[Any]) -> list[Any]:
    """The longest phrases, then shorter ones only where they overlap none already taken
    ("low back pain with night pain": both, not "pain with night")."""
    taken: list[Any] = []
    used: set[int] = set()
    for span in sorted(spans, key=lambda s: (s.start - s.end, s.start)):
        tokens = range(span.start, span.end)
        if used.isdisjoint(tokens):
            taken.append(span)
            used.update(tokens)
    return sorted(taken, key=lambda s: s.start)


def _trigger_pattern(words: Any) -> list[dict[str, Any]]:
    """A trigger's words, with "-" or "/" allowed between them ("safety-netted")."""
    pattern: list[dict[str, Any]] = []
    for i, word in enumerate(words):
        if i:
            pattern.append({"LOWER": {"IN": list(_JOINERS)}, "OP": "?"})
        pattern.append({"LOWER": word.lower_})
    return pattern


def _phrase_pattern(words: Sequence[str], gap: dict[str, Any]) -> list[dict[str, Any]]:
    pattern: list[dict[str, Any]] = []
    for i, word in enumerate(words):
        if i:
            pattern.append({**gap, "OP": "*"})
        pattern.append({"LOWER": word})
    return pattern
