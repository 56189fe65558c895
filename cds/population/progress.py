"""A progress bar on a terminal, nothing when the output goes to a file or a pipe."""

from __future__ import annotations

import sys
import time
from typing import TextIO

WIDTH = 30


class Progress:
    def __init__(self, label: str, total: int, unit: str = "", stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.shown = self.stream.isatty()
        self.label, self.total, self.unit = label, max(total, 1), unit
        self.done = self.counted = 0
        self.started = time.monotonic()

    def advance(self, amount: int, counted: int = 0) -> None:
        """`amount` of the total is done; `counted` more units (patients, say) were seen."""
        self.done = min(self.done + amount, self.total)
        self.counted += counted
        if self.shown:
            share = self.done / self.total
            bar = "#" * round(WIDTH * share)
            seconds = time.monotonic() - self.started
            note = f"{self.counted:,} {self.unit}" if self.unit else ""
            self.stream.write(
                f"\r{self.label:<10} [{bar:<{WIDTH}}] {share:4.0%} {seconds:5.0f}s {note}\033[K"
            )
            self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()
