"""ConText modifier rules (context-rules.json), typed: which words assert what about a phrase."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal, get_args

from cds.types import Assertion

Direction = Literal["forward", "backward", "bidirectional", "terminate", "pseudo"]

PRECEDENCE: tuple[Assertion, ...] = ("negated", "conditional", "family", "historical", "uncertain")
"""When several modifiers reach one phrase, the first of these wins."""


_DIRECTIONS: dict[object, Direction] = {d: d for d in get_args(Direction)}


class ContextRuleError(ValueError):
    """A ConText rule in the data is malformed."""


@dataclass(frozen=True, slots=True)
class ContextRule:
    literal: str
    direction: Direction
    assertion: Assertion | None
    """None for a termination word or a pseudo-trigger."""
    pattern: tuple[Mapping[str, Any], ...] | None = None
    """A spaCy token pattern, when the literal alone is not enough."""
    max_scope: int | None = None
    """Tokens the modifier reaches; else to the end of its clause."""
    first_degree: bool = False
    """A family modifier naming a parent, sibling or child (NG65)."""


def parse_context_rules(sources: Iterable[Mapping[str, Any]]) -> tuple[ContextRule, ...]:
    return tuple(_rule(raw) for src in sources for raw in src.get("rules", ()))


def _rule(raw: Any) -> ContextRule:
    if not isinstance(raw, dict) or not isinstance(raw.get("literal"), str):
        raise ContextRuleError(f"a ConText rule needs a literal: {raw!r}")
    literal = raw["literal"]
    direction = _DIRECTIONS.get(raw.get("direction"))
    if direction is None:
        raise ContextRuleError(f"{literal!r}: direction must be one of {get_args(Direction)}")
    assertion = raw.get("assertion")
    modifies = direction not in ("terminate", "pseudo")
    if modifies != (assertion in PRECEDENCE):
        raise ContextRuleError(
            f"{literal!r}: a {direction} rule needs an assertion of {PRECEDENCE}"
            if modifies
            else f"{literal!r}: a {direction} rule asserts nothing"
        )
    pattern = raw.get("pattern")
    if pattern is not None and not (
        isinstance(pattern, list) and all(isinstance(p, dict) for p in pattern)
    ):
        raise ContextRuleError(f"{literal!r}: pattern must be a list of token patterns")
    max_scope = raw.get("maxScope")
    if max_scope is not None and not (isinstance(max_scope, int) and max_scope > 0):
        raise ContextRuleError(f"{literal!r}: maxScope must be a positive integer")
    return ContextRule(
        literal=literal,
        direction=direction,
        assertion=assertion if modifies else None,
        pattern=tuple(pattern) if pattern is not None else None,
        max_scope=max_scope,
        first_degree=raw.get("firstDegree") is True,
    )
