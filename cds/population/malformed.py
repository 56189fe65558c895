"""Lines skipped as malformed: counted by resource type, the first few kept to be named."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

KEPT = 50
"""Messages kept (and printed); the rest are only counted."""


@dataclass(frozen=True, slots=True)
class Skip:
    file: str
    line: int | None
    """1-based; None where the engine cannot know it (Spark reads lines without numbers)."""
    reason: str

    def message(self) -> str:
        where = self.file if self.line is None else f"{self.file} line {self.line}"
        return f"{where}: {self.reason}; skipped"


@dataclass(slots=True)
class MalformedLines:
    by_type: Counter[str] = field(default_factory=Counter)
    kept: list[Skip] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(self.by_type.values())

    def add(self, resource_type: str, skip: Skip) -> None:
        self.by_type[resource_type] += 1
        if len(self.kept) < KEPT:
            self.kept.append(skip)

    def merge(self, other: MalformedLines) -> None:
        self.by_type.update(other.by_type)
        self.kept.extend(other.kept[: KEPT - len(self.kept)])

    def messages(self) -> list[str]:
        lines = [skip.message() for skip in self.kept]
        if self.total > len(self.kept):
            lines.append(f"... and {self.total - len(self.kept)} more malformed lines")
        return lines
